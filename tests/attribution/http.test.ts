/**
 * The full path once: the emulator delivers signed webhooks (each twice, shuffled) over HTTP to the
 * intake route, a real graphile-worker runs `stripe__process_event` (gather outside the
 * transaction, apply inside), and the conversion, renewal and refund come out right.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttributionWorld } from "./harness";

let w: AttributionWorld;
beforeAll(async () => {
  w = await AttributionWorld.start();
  await w.startHttp();
});
afterAll(async () => {
  await w?.close();
});

describe("attribution over HTTP with the worker", () => {
  it("link + code checkout, renewal and full refund", async () => {
    const b = await w.brand("Http");
    const campaign = await b.campaign({
      commission: { type: "percent", bps: 2000 },
      overrideBps: 500,
    });
    const parent = await b.affiliate({ campaigns: [campaign] });
    const aff = await b.affiliate({ campaigns: [campaign], parentId: parent });
    const other = await b.affiliate({ campaigns: [campaign] });
    const code = await b.code({
      affiliateId: aff,
      campaignId: campaign,
      percentOff: 20,
      duration: "once",
    });
    const click = await b.click(other, campaign);

    const r = await b.emu().checkout({
      api_key: b.key,
      amount: 5000,
      currency: "usd",
      promotion_code: code.code,
      client_reference_id: click,
      duplicate_and_shuffle: true,
    });
    const n = await b
      .emu()
      .renewal({ api_key: b.key, subscription: r.subscription!, duplicate_and_shuffle: true });
    await w.settled();
    expect(await b.conversionFor({ invoice: r.invoice })).toMatchObject({
      affiliate_id: aff,
      attribution_method: "coupon",
      amount: 4000,
      commission_amount: 800,
      override_amount: 200,
      stripe_payment_intent_id: r.payment_intent,
    });
    expect(await b.conversionFor({ invoice: n.invoice })).toMatchObject({
      affiliate_id: aff,
      amount: 5000,
      commission_amount: 1000,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(1);

    await b
      .emu()
      .refund({ api_key: b.key, payment_intent: r.payment_intent, duplicate_and_shuffle: true });
    await w.settled();
    expect(await b.conversionFor({ invoice: r.invoice })).toMatchObject({
      status: "refunded",
      commission_amount: 0,
      override_amount: 0,
    });
    expect(await b.counter(code.affiliateCouponId)).toBe(0);
    expect(await b.balance(aff, "usd")).toBe(1000);
    expect(await b.balance(parent, "usd")).toBe(250);
    expect(await b.balance(other, "usd")).toBe(0);
    const events = await w.db
      .selectFrom("stripe_events")
      .select(["status", "attempts"])
      .where("brand_id", "=", b.id)
      .execute();
    expect(events.every((e) => e.status === "processed" || e.status === "ignored")).toBe(true);
  });
});
