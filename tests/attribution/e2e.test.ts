/**
 * End-to-end attribution through the Stripe emulator: real Stripe objects and events, the real
 * intake service (signed, deduplicated) and `processStripeEvent` (gather + apply) — delivered
 * directly (the HTTP hop is covered once in http.test.ts). Each scenario uses its own brand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversionJson } from "../../app/domain/conversion-json";
import { AttributionWorld, rng, type TestBrand } from "./harness";

let w: AttributionWorld;
beforeAll(async () => {
  w = await AttributionWorld.start();
});
afterAll(async () => {
  await w?.close();
});

async function setup(opts: Parameters<TestBrand["campaign"]>[0] = {}) {
  const b = await w.brand();
  const campaign = await b.campaign(opts);
  const aff = await b.affiliate({ campaigns: [campaign] });
  return { b, campaign, aff };
}

function getsSince(mark: number): string[] {
  return w.requests.slice(mark).filter((l) => l.startsWith("GET /v1/"));
}

describe("attribution end to end", () => {
  it("coupon only: net of tax, decision record, counter, ledger, public JSON shape", async () => {
    const { b, campaign, aff } = await setup({ commission: { type: "percent", bps: 2000 } });
    const code = await b.code({ affiliateId: aff, campaignId: campaign, percentOff: 10 });
    const r = await b.emu().checkout({
      api_key: b.key,
      amount: 5000,
      currency: "usd",
      promotion_code: code.code.toLowerCase(),
      tax_percent_bps: 1000,
    });
    expect(r.amount_total).toBe(4950);
    await b.drain();

    const conv = (await b.conversionFor({ invoice: r.invoice }))!;
    expect(conv).toMatchObject({
      affiliate_id: aff,
      campaign_id: campaign,
      attribution_method: "coupon",
      coupon_code: code.code,
      amount: 4500,
      currency: "usd",
      commission_amount: 900,
      status: "approved",
      redemption_counted: true,
      stripe_payment_intent_id: r.payment_intent,
      stripe_checkout_session_id: r.checkout_session,
    });
    const json = conversionJson(conv);
    expect(Object.keys(json).sort()).toEqual(
      [
        "id",
        "campaign_id",
        "affiliate_id",
        "attribution_method",
        "coupon_code",
        "amount",
        "currency",
        "commission_amount",
        "refunded_amount",
        "status",
        "stripe",
        "decision",
        "occurred_at",
        "created_at",
      ].sort(),
    );
    expect(json.stripe).toEqual({
      customer_id: r.customer,
      invoice_id: r.invoice,
      subscription_id: r.subscription,
      checkout_session_id: r.checkout_session,
      payment_intent_id: r.payment_intent,
    });
    expect(json.decision).toMatchObject({
      rule: "coupon_only",
      createsBinding: true,
      countsRedemptionOn: code.affiliateCouponId,
      candidates: [expect.objectContaining({ source: "coupon", code: code.code, selected: true })],
      commission: expect.objectContaining({ amount: 900, reason: "campaign_percent" }),
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
    expect((await b.ledger(conv.id)).sums).toEqual({
      commission: 900,
      override: 0,
      clawback: 0,
      override_clawback: 0,
    });
    expect(await b.referral(r.customer)).toMatchObject({
      affiliate_id: aff,
      method: "coupon",
      affiliate_coupon_id: code.affiliateCouponId,
    });

    // An outbound conversion.created message was recorded in the same transaction.
    const messages = await w.db
      .selectFrom("webhook_messages")
      .select(["event_type", "payload"])
      .where("brand_id", "=", b.id)
      .execute();
    expect(messages.map((m) => m.event_type)).toEqual(["conversion.created"]);
  });

  it("link only: the click id carried as client_reference_id", async () => {
    const { b, campaign, aff } = await setup({
      commission: { type: "flat", amount: 1500, currency: "usd" },
    });
    const click = await b.click(aff, campaign);
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 9900, currency: "usd", client_reference_id: click });
    await b.drain();
    const conv = (await b.conversionFor({ invoice: r.invoice }))!;
    expect(conv).toMatchObject({
      affiliate_id: aff,
      attribution_method: "link",
      click_id: click,
      commission_amount: 1500,
      coupon_code: null,
    });
    expect(conv.decision).toMatchObject({ rule: "link_only" });
    expect(await b.referral(r.customer)).toMatchObject({ method: "link", click_id: click });
  });

  it("a click in the customer's metadata.rekomi_ref counts too; a foreign reference does not", async () => {
    const { b, campaign, aff } = await setup();
    const click = await b.click(aff, campaign);
    const r1 = await b.emu().checkout({
      api_key: b.key,
      amount: 1000,
      currency: "usd",
      customer_metadata: { rekomi_ref: click },
    });
    const r2 = await b.emu().checkout({
      api_key: b.key,
      amount: 1000,
      currency: "usd",
      client_reference_id: "order-123",
    });
    await b.drain();
    expect(await b.conversionFor({ invoice: r1.invoice })).toMatchObject({
      affiliate_id: aff,
      attribution_method: "link",
    });
    expect(await b.conversionFor({ invoice: r2.invoice })).toBeNull();
  });

  for (const overrides of [true, false]) {
    it(`link + coupon with overrides_click_attribution ${overrides ? "on" : "off"}`, async () => {
      const b = await w.brand();
      const campaign = await b.campaign({ commission: { type: "percent", bps: 1000 } });
      const linkAff = await b.affiliate({ campaigns: [campaign] });
      const codeAff = await b.affiliate({ campaigns: [campaign] });
      const code = await b.code({
        affiliateId: codeAff,
        campaignId: campaign,
        overridesClick: overrides,
        rateBps: 3000,
      });
      const click = await b.click(linkAff, campaign);
      const r = await b.emu().checkout({
        api_key: b.key,
        amount: 10000,
        currency: "usd",
        promotion_code: code.code,
        client_reference_id: click,
      });
      await b.drain({ random: rng(overrides ? 1 : 2) });
      const conv = (await b.conversionFor({ invoice: r.invoice }))!;
      if (overrides) {
        expect(conv).toMatchObject({
          affiliate_id: codeAff,
          attribution_method: "coupon",
          commission_amount: 2700,
        });
        expect(conv.decision).toMatchObject({ rule: "coupon_overrides_click" });
      } else {
        expect(conv).toMatchObject({
          affiliate_id: linkAff,
          attribution_method: "link",
          commission_amount: 900,
          coupon_code: code.code,
        });
        expect(conv.decision).toMatchObject({ rule: "click_wins_coupon_counted" });
      }
      // The redemption counts on the code either way.
      expect(await b.counter(code.affiliateCouponId)).toBe(1);
      expect((conv.decision as { candidates: unknown[] }).candidates).toHaveLength(2);
    });
  }

  it("renewals inside and beyond recurring_months, with no Stripe calls for renewals", async () => {
    const { b, campaign, aff } = await setup({
      commission: { type: "percent", bps: 2000 },
      recurringMonths: 2,
    });
    const click = await b.click(aff, campaign);
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 3000, currency: "usd", client_reference_id: click });
    await b.drain();
    const mark = w.requests.length;
    const renewals = [];
    for (let i = 0; i < 3; i++)
      renewals.push(await b.emu().renewal({ api_key: b.key, subscription: r.subscription! }));
    await b.drain();
    expect(getsSince(mark)).toEqual([]);
    const amounts = [];
    for (const x of renewals) {
      const c = (await b.conversionFor({ invoice: x.invoice }))!;
      expect(c.affiliate_id).toBe(aff);
      expect(c.decision).toMatchObject({ rule: "existing_binding" });
      amounts.push(c.commission_amount);
    }
    // Anchor = first payment; renewal 1 starts < anchor + 2 months; renewal 2 starts at +2 months.
    expect(amounts).toEqual([600, 0, 0]);
    const second = (await b.conversionFor({ invoice: renewals[1].invoice }))!;
    expect(second.decision).toMatchObject({
      commission: { reason: "outside_recurring_window", recurringEligible: false },
    });
  });

  it("recurring_months 0 pays the first payment only", async () => {
    const { b, aff, campaign } = await setup({
      commission: { type: "percent", bps: 5000 },
      recurringMonths: 0,
    });
    const code = await b.code({ affiliateId: aff, campaignId: campaign, duration: "forever" });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 1000, currency: "usd", promotion_code: code.code });
    const n = await b.emu().renewal({ api_key: b.key, subscription: r.subscription! });
    await b.drain({ random: rng(5) });
    expect((await b.conversionFor({ invoice: r.invoice }))!.commission_amount).toBe(450);
    expect((await b.conversionFor({ invoice: n.invoice }))!.commission_amount).toBe(0);
    // A renewal still carrying the forever code does not count a second redemption.
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
  });

  it("a repeating coupon keeps crediting (at the code's rate) after it stopped applying", async () => {
    const { b, campaign, aff } = await setup({ commission: { type: "percent", bps: 1000 } });
    const code = await b.code({
      affiliateId: aff,
      campaignId: campaign,
      percentOff: 50,
      duration: "repeating",
      durationInMonths: 2,
      rateBps: 2500,
    });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 2000, currency: "usd", promotion_code: code.code });
    const renewals = [];
    for (let i = 0; i < 3; i++)
      renewals.push(await b.emu().renewal({ api_key: b.key, subscription: r.subscription! }));
    expect(renewals.map((x) => x.discount_applied)).toEqual([true, false, false]);
    await b.drain({ random: rng(7) }); // renewals may be processed before the checkout
    const rows = await Promise.all(
      [r.invoice!, ...renewals.map((x) => x.invoice)].map((invoice) =>
        b.conversionFor({ invoice }),
      ),
    );
    expect(rows.map((c) => [c!.affiliate_id, c!.amount, c!.commission_amount])).toEqual([
      [aff, 1000, 250],
      [aff, 1000, 250],
      [aff, 2000, 500],
      [aff, 2000, 500],
    ]);
    expect(
      rows.slice(2).every((c) => c!.coupon_code === code.code && c!.redemption_counted === false),
    ).toBe(true);
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
  });

  it("partial refund, then full refund: clawbacks, statuses, counter", async () => {
    const b = await w.brand();
    const campaign = await b.campaign({
      commission: { type: "percent", bps: 2000 },
      overrideBps: 500,
    });
    const parent = await b.affiliate({ campaigns: [campaign] });
    const aff = await b.affiliate({ campaigns: [campaign], parentId: parent });
    const code = await b.code({ affiliateId: aff, campaignId: campaign, percentOff: 10 });
    const r = await b.emu().checkout({
      api_key: b.key,
      amount: 5000,
      currency: "usd",
      promotion_code: code.code,
      tax_percent_bps: 1000,
    });
    await b.drain();
    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent, amount: 990 });
    const mark = w.requests.length;
    await b.drain();
    expect(getsSince(mark)).toEqual([]); // the payment intent was remembered from invoice_payment.paid
    let conv = (await b.conversionFor({ invoice: r.invoice }))!;
    // 990 of a 4950 charge = 900 of the 4500 net conversion.
    expect(conv).toMatchObject({
      status: "partially_refunded",
      refunded_amount: 900,
      commission_amount: 720,
      override_amount: 180,
    });
    expect((await b.ledger(conv.id)).sums).toEqual({
      commission: 900,
      override: 225,
      clawback: -180,
      override_clawback: -45,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);

    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent });
    await b.drain({ copies: 2 });
    conv = (await b.conversionFor({ invoice: r.invoice }))!;
    expect(conv).toMatchObject({
      status: "refunded",
      refunded_amount: 4500,
      commission_amount: 0,
      override_amount: 0,
      stripe_charge_id: r.charge,
    });
    expect((await b.ledger(conv.id)).sums).toEqual({
      commission: 900,
      override: 225,
      clawback: -900,
      override_clawback: -225,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(0);
    expect(await b.balance(aff, "usd")).toBe(0);
    const types = await w.db
      .selectFrom("webhook_messages")
      .select("event_type")
      .where("brand_id", "=", b.id)
      .orderBy("created_at")
      .execute();
    expect(types.map((t) => t.event_type)).toEqual([
      "conversion.created",
      "conversion.updated",
      "conversion.refunded",
    ]);
  });

  it("a refund delivered before invoice.paid (and before invoice_payment.paid) is applied when the conversion lands", async () => {
    const { b, campaign, aff } = await setup({ commission: { type: "percent", bps: 2000 } });
    const code = await b.code({ affiliateId: aff, campaignId: campaign });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 4000, currency: "usd", promotion_code: code.code });
    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent, amount: 1200 });
    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent });
    await b.drain({ only: ["charge.refunded"], copies: 2, random: rng(3) });
    expect(await b.conversionFor({ invoice: r.invoice })).toBeNull();
    await b.drain({ random: rng(4) });
    const conv = (await b.conversionFor({ invoice: r.invoice }))!;
    expect(conv).toMatchObject({ status: "refunded", refunded_amount: 3600, commission_amount: 0 });
    expect((await b.ledger(conv.id)).sums).toEqual({
      commission: 720,
      override: 0,
      clawback: -720,
      override_clawback: 0,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(0);
    expect(
      await w.db.selectFrom("pending_refunds").selectAll().where("brand_id", "=", b.id).execute(),
    ).toEqual([]);
  });

  it("duplicates x3, shuffled: the same conversions and ledger as one ordered delivery", async () => {
    const results: unknown[] = [];
    for (const [copies, seed] of [
      [1, 0],
      [3, 11],
      [3, 12],
    ] as const) {
      const { b, campaign, aff } = await setup({
        commission: { type: "percent", bps: 1500 },
        recurringMonths: 6,
      });
      const other = await b.affiliate({ campaigns: [campaign] });
      const code = await b.code({
        affiliateId: aff,
        campaignId: campaign,
        duration: "once",
        percentOff: 20,
      });
      const click = await b.click(other, campaign);
      const r = await b.emu().checkout({
        api_key: b.key,
        amount: 2500,
        currency: "usd",
        promotion_code: code.code,
        client_reference_id: click,
      });
      const n1 = await b.emu().renewal({ api_key: b.key, subscription: r.subscription! });
      await b.emu().refund({ api_key: b.key, payment_intent: n1.payment_intent, amount: 700 });
      const n2 = await b.emu().renewal({ api_key: b.key, subscription: r.subscription! });
      await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent });
      await b.drain(seed ? { copies, random: rng(seed) } : {});
      const rows = [];
      for (const invoice of [r.invoice!, n1.invoice, n2.invoice]) {
        const c = (await b.conversionFor({ invoice }))!;
        rows.push({
          affiliate: c.affiliate_id === aff ? "code" : c.affiliate_id === other ? "click" : null,
          amount: c.amount,
          status: c.status,
          refunded: c.refunded_amount,
          commission: c.commission_amount,
          ledger: (await b.ledger(c.id)).sums,
        });
      }
      results.push({
        rows,
        counter: await b.counter(code.affiliateCouponId),
        count: (await b.conversions()).length,
      });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[0]).toMatchObject({ counter: 0, count: 3 });
  });

  it("a $0 invoice (100% off once) is recorded; the recurring window starts at the first paid invoice", async () => {
    const { b, campaign, aff } = await setup({
      commission: { type: "percent", bps: 2000 },
      recurringMonths: 1,
    });
    const code = await b.code({
      affiliateId: aff,
      campaignId: campaign,
      percentOff: 100,
      duration: "once",
    });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 2000, currency: "usd", promotion_code: code.code });
    expect(r.amount_total).toBe(0);
    const n1 = await b.emu().renewal({ api_key: b.key, subscription: r.subscription! });
    const n2 = await b.emu().renewal({ api_key: b.key, subscription: r.subscription! });
    await b.drain({ random: rng(9), copies: 2 });
    const zero = (await b.conversionFor({ invoice: r.invoice }))!;
    expect(zero).toMatchObject({
      amount: 0,
      commission_amount: 0,
      status: "approved",
      redemption_counted: true,
    });
    expect(zero.decision).toMatchObject({ commission: { reason: "zero_amount" } });
    expect((await b.conversionFor({ invoice: n1.invoice }))!.commission_amount).toBe(400);
    expect((await b.conversionFor({ invoice: n2.invoice }))!.commission_amount).toBe(0);
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
    expect((await b.referral(r.customer))!.anchor_at).toEqual(new Date(n1.period_start * 1000));
  });

  it("sub-affiliate: the parent earns the override on click and coupon sales, never a grandparent", async () => {
    const b = await w.brand();
    const campaign = await b.campaign({
      commission: { type: "percent", bps: 2000 },
      overrideBps: 1000,
    });
    const grand = await b.affiliate({ campaigns: [campaign] });
    const parent = await b.affiliate({ campaigns: [campaign], parentId: grand });
    const child = await b.affiliate({ campaigns: [campaign], parentId: parent });
    const code = await b.code({ affiliateId: child, campaignId: campaign, percentOff: 10 });
    const click = await b.click(child, campaign);
    const viaClick = await b
      .emu()
      .checkout({ api_key: b.key, amount: 10000, currency: "usd", client_reference_id: click });
    const viaCode = await b
      .emu()
      .checkout({ api_key: b.key, amount: 10000, currency: "usd", promotion_code: code.code });
    await b.drain();
    for (const [r, amount] of [
      [viaClick, 10000],
      [viaCode, 9000],
    ] as const) {
      const c = (await b.conversionFor({ invoice: r.invoice }))!;
      const { rows } = await b.ledger(c.id);
      expect(rows.map((e) => [e.kind, e.affiliate_id, e.amount]).sort()).toEqual([
        ["commission", child, amount * 0.2],
        ["override", parent, amount * 0.1],
      ]);
    }
    expect(await b.balance(grand, "usd")).toBe(0);
    expect(await b.balance(parent, "usd")).toBe(1900);
  });

  it("a parent that is not approved earns no override; an unapproved affiliate earns nothing but the redemption counts", async () => {
    const b = await w.brand();
    const campaign = await b.campaign({
      commission: { type: "percent", bps: 2000 },
      overrideBps: 1000,
    });
    const parent = await b.affiliate({ campaigns: [campaign], status: "suspended" });
    const child = await b.affiliate({ campaigns: [campaign], parentId: parent });
    const pending = await b.affiliate({ campaigns: [campaign], status: "pending" });
    const code = await b.code({ affiliateId: pending, campaignId: campaign });
    const click = await b.click(child, campaign);
    const r1 = await b
      .emu()
      .checkout({ api_key: b.key, amount: 1000, currency: "usd", client_reference_id: click });
    const r2 = await b
      .emu()
      .checkout({ api_key: b.key, amount: 1000, currency: "usd", promotion_code: code.code });
    await b.drain();
    const c1 = (await b.conversionFor({ invoice: r1.invoice }))!;
    expect((await b.ledger(c1.id)).sums).toEqual({
      commission: 200,
      override: 0,
      clawback: 0,
      override_clawback: 0,
    });
    const c2 = (await b.conversionFor({ invoice: r2.invoice }))!;
    expect(c2).toMatchObject({
      affiliate_id: null,
      commission_amount: 0,
      redemption_counted: true,
      coupon_code: code.code,
    });
    expect(c2.decision).toMatchObject({
      rule: "no_eligible_signal",
      candidates: [expect.objectContaining({ ineligibleReason: "affiliate_pending" })],
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
    expect(await b.referral(r2.customer)).toBeNull();
  });

  it("JPY (zero-decimal) with half-up rounding", async () => {
    const { b, campaign, aff } = await setup({ commission: { type: "percent", bps: 1500 } });
    const code = await b.code({
      affiliateId: aff,
      campaignId: campaign,
      amountOff: { amount: 167, currency: "jpy" },
    });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 500, currency: "jpy", promotion_code: code.code });
    await b.drain();
    // 333 JPY * 15% = 49.95 -> 50
    expect(await b.conversionFor({ invoice: r.invoice })).toMatchObject({
      amount: 333,
      currency: "jpy",
      commission_amount: 50,
    });
    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent, amount: 100 });
    await b.drain();
    // 233 left * 15% = 34.95 -> 35
    expect(await b.conversionFor({ invoice: r.invoice })).toMatchObject({
      refunded_amount: 100,
      commission_amount: 35,
      status: "partially_refunded",
    });
  });

  it("two brands using the same code string are kept apart", async () => {
    const one = await setup({ commission: { type: "percent", bps: 1000 } });
    const two = await setup({ commission: { type: "percent", bps: 3000 } });
    const c1 = await one.b.code({
      affiliateId: one.aff,
      campaignId: one.campaign,
      code: "SAMECODE",
    });
    const c2 = await two.b.code({
      affiliateId: two.aff,
      campaignId: two.campaign,
      code: "SAMECODE",
    });
    const r1 = await one.b
      .emu()
      .checkout({ api_key: one.b.key, amount: 1000, currency: "usd", promotion_code: "SAMECODE" });
    const r2 = await two.b
      .emu()
      .checkout({ api_key: two.b.key, amount: 1000, currency: "usd", promotion_code: "SAMECODE" });
    await two.b.drain();
    await one.b.drain();
    expect(await one.b.conversionFor({ invoice: r1.invoice })).toMatchObject({
      affiliate_id: one.aff,
      commission_amount: 90,
    });
    expect(await two.b.conversionFor({ invoice: r2.invoice })).toMatchObject({
      affiliate_id: two.aff,
      commission_amount: 270,
    });
    expect(await one.b.conversionFor({ invoice: r2.invoice })).toBeNull();
    expect([
      await one.b.counter(c1.affiliateCouponId),
      await two.b.counter(c2.affiliateCouponId),
    ]).toEqual([1, 1]);
  });

  it("payment-mode Checkout with a typed code, then a refund", async () => {
    const { b, campaign, aff } = await setup({ commission: { type: "percent", bps: 2000 } });
    const code = await b.code({ affiliateId: aff, campaignId: campaign, percentOff: 25 });
    const r = await b.emu().checkout({
      api_key: b.key,
      mode: "payment",
      amount: 8000,
      currency: "eur",
      promotion_code: code.code,
    });
    await b.drain({ copies: 3, random: rng(21) });
    const conv = (await b.conversionFor({ session: r.checkout_session }))!;
    expect(conv).toMatchObject({
      affiliate_id: aff,
      attribution_method: "coupon",
      amount: 6000,
      currency: "eur",
      commission_amount: 1200,
      stripe_invoice_id: null,
      stripe_payment_intent_id: r.payment_intent,
    });
    await b.emu().refund({ api_key: b.key, payment_intent: r.payment_intent });
    await b.drain();
    expect(await b.conversionFor({ session: r.checkout_session })).toMatchObject({
      status: "refunded",
      commission_amount: 0,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(0);
  });

  it("a customer is bound by the earliest purchase even when a later one is processed first", async () => {
    const b = await w.brand();
    const campaign = await b.campaign({ commission: { type: "percent", bps: 1000 } });
    const first = await b.affiliate({ campaigns: [campaign] });
    const second = await b.affiliate({ campaigns: [campaign] });
    const firstClick = await b.click(first, campaign);
    const code = await b.code({ affiliateId: second, campaignId: campaign });
    const r1 = await b.emu().checkout({
      api_key: b.key,
      mode: "payment",
      amount: 1000,
      currency: "usd",
      client_reference_id: firstClick,
    });
    // Stripe timestamps are seconds: make the second purchase clearly later.
    await new Promise((r) => setTimeout(r, 1100));
    const r2 = await b.emu().checkout({
      api_key: b.key,
      amount: 2000,
      currency: "usd",
      customer: r1.customer,
      promotion_code: code.code,
    });
    // The later purchase's events arrive first.
    await b.drain({ hold: ["checkout.session.completed"] });
    await b.drain();
    expect(await b.referral(r1.customer)).toMatchObject({
      affiliate_id: first,
      bound_payment_key: r1.checkout_session,
    });
    expect(await b.conversionFor({ invoice: r2.invoice })).toMatchObject({
      affiliate_id: first,
      coupon_code: code.code,
      redemption_counted: true,
    });
    expect((await b.conversionFor({ invoice: r2.invoice }))!.decision).toMatchObject({
      rule: "existing_binding",
    });
    expect(await b.conversionFor({ session: r1.checkout_session })).toMatchObject({
      affiliate_id: first,
      attribution_method: "link",
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
  });

  it("a retried job after a Stripe failure records the conversion once", async () => {
    const { b, campaign, aff } = await setup();
    const code = await b.code({ affiliateId: aff, campaignId: campaign });
    const r = await b
      .emu()
      .checkout({ api_key: b.key, amount: 1000, currency: "usd", promotion_code: code.code });
    // Stripe is unreachable for the first attempt of every event.
    const good = w.config;
    w.config = { ...good, stripeApiBase: "http://127.0.0.1:9" };
    let failures = 0;
    for (const e of b.newEvents()) await b.deliver(e).catch(() => (failures += 1));
    w.config = good;
    expect(failures).toBeGreaterThan(0);
    const failed = await w.db
      .selectFrom("stripe_events")
      .select(["id", "status"])
      .where("brand_id", "=", b.id)
      .where("status", "=", "failed")
      .execute();
    expect(failed.length).toBeGreaterThan(0);
    expect(await b.conversionFor({ invoice: r.invoice })).toBeNull();
    const { processStripeEvent } = await import("../../app/services/stripe-events/process.server");
    for (const row of failed) await processStripeEvent(w.db, { config: w.config }, row.id);
    for (const row of failed) await processStripeEvent(w.db, { config: w.config }, row.id);
    expect(await b.conversionFor({ invoice: r.invoice })).toMatchObject({ affiliate_id: aff });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);
    expect((await b.conversions()).length).toBe(1);
  });
});
