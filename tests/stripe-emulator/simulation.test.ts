import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createEmulatorClient,
  startStripeEmulator,
  type StripeEmulator,
} from "../../tools/stripe-emulator/index.js";
import { connect, newKey, sdk, WebhookReceiver } from "./helpers.js";

let emu: StripeEmulator;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  emu = await startStripeEmulator({ port: 0, retry: { maxAttempts: 3, backoffMs: [20, 40] } });
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await emu.close();
});
beforeEach(() => {
  receiver.clear();
  receiver.failNext = 0;
});

/** A connected account with a coupon and promotion code. */
async function setup(
  coupon: Stripe.CouponCreateParams,
  code = "JANE20",
): Promise<{ key: string; stripe: Stripe; coupon: Stripe.Coupon; promo: Stripe.PromotionCode }> {
  const key = newKey();
  const stripe = sdk(emu, key);
  await connect(stripe, receiver);
  const created = await stripe.coupons.create(coupon);
  const promo = await stripe.promotionCodes.create({
    promotion: { type: "coupon", coupon: created.id },
    code,
    metadata: { rekomi_affiliate_coupon_id: "ac_123" },
  });
  return { key, stripe, coupon: created, promo };
}

describe("checkout simulation (subscription)", () => {
  it("delivers the four events with valid signatures and links the promo everywhere", async () => {
    const { key, stripe, coupon, promo } = await setup({ percent_off: 20, duration: "forever" });
    const result = await emu.checkout({
      api_key: key,
      mode: "subscription",
      amount: 4900,
      currency: "usd",
      interval: "month",
      promotion_code: "jane20",
      client_reference_id: "click_abc",
      customer_email: "buyer@example.com",
      tax_percent_bps: 1000,
    });
    expect(result).toMatchObject({
      amount_subtotal: 4900,
      amount_discount: 980,
      amount_tax: 392,
      amount_total: 4312,
      promotion_code: promo.id,
      coupon: coupon.id,
    });
    expect(result.customer).toMatch(/^cus_/);
    expect(result.subscription).toMatch(/^sub_/);
    expect(result.invoice).toMatch(/^in_/);
    expect(result.invoice_payment).toMatch(/^inpay_/);
    expect(result.payment_intent).toMatch(/^pi_/);
    expect(result.charge).toMatch(/^ch_/);
    expect(result.checkout_session).toMatch(/^cs_/);
    expect(result.discount).toMatch(/^di_/);

    // Delivered (and awaited) with signatures the SDK accepts.
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types().sort()).toEqual(
      [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
        "invoice_payment.paid",
      ].sort(),
    );
    expect(result.deliveries.every((d) => d.status === "succeeded")).toBe(true);
    for (const r of receiver.received) {
      expect(r.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(r.event.id).toMatch(/^evt_/);
      expect(r.event).toMatchObject({
        object: "event",
        livemode: false,
        api_version: Stripe.API_VERSION,
      });
    }

    // Payloads are not expanded.
    const byType = (t: string) => receiver.received.find((r) => r.event.type === t)?.event;
    const invoiceEvt = byType("invoice.paid")?.data.object as Stripe.Invoice;
    expect(invoiceEvt.discounts).toEqual([result.discount]);
    expect(invoiceEvt.billing_reason).toBe("subscription_create");
    expect(invoiceEvt.parent?.subscription_details?.subscription).toBe(result.subscription);
    const subEvt = byType("customer.subscription.created")?.data.object as Stripe.Subscription;
    expect(subEvt.discounts).toEqual([result.discount]);
    const sessionEvt = byType("checkout.session.completed")?.data.object as Stripe.Checkout.Session;
    expect(sessionEvt).toMatchObject({
      client_reference_id: "click_abc",
      mode: "subscription",
      subscription: result.subscription,
      invoice: result.invoice,
      customer: result.customer,
      amount_total: 4312,
      status: "complete",
      payment_status: "paid",
    });
    expect(sessionEvt.total_details?.amount_tax).toBe(392);
    expect(sessionEvt.total_details?.breakdown).toBeUndefined();
    const payEvt = byType("invoice_payment.paid")?.data.object as Stripe.InvoicePayment;
    expect(payEvt).toMatchObject({
      object: "invoice_payment",
      invoice: result.invoice,
      status: "paid",
      amount_paid: 4312,
      payment: { type: "payment_intent", payment_intent: result.payment_intent },
    });

    // invoices.retrieve(..., expand discounts) -> Discount with promotion_code.
    const invoice = await stripe.invoices.retrieve(result.invoice ?? "", { expand: ["discounts"] });
    expect(invoice).toMatchObject({
      object: "invoice",
      status: "paid",
      currency: "usd",
      customer: result.customer,
      billing_reason: "subscription_create",
      subtotal: 4900,
      total_excluding_tax: 3920,
      total: 4312,
      amount_paid: 4312,
    });
    expect(invoice.total_taxes?.[0]).toMatchObject({ amount: 392, taxable_amount: 3920 });
    const discount = invoice.discounts[0] as Stripe.Discount;
    expect(discount).toMatchObject({
      id: result.discount,
      object: "discount",
      promotion_code: promo.id,
      source: { type: "coupon", coupon: coupon.id },
      customer: result.customer,
      subscription: result.subscription,
    });
    expect(invoice.lines.data[0].discounts).toEqual([result.discount]);

    const deep = await stripe.invoices.retrieve(result.invoice ?? "", {
      expand: ["discounts.promotion_code"],
    });
    const deepPromo = (deep.discounts[0] as Stripe.Discount).promotion_code as Stripe.PromotionCode;
    expect(deepPromo.metadata).toEqual({ rekomi_affiliate_coupon_id: "ac_123" });

    const sub = await stripe.subscriptions.retrieve(result.subscription ?? "", {
      expand: ["discounts"],
    });
    expect((sub.discounts[0] as Stripe.Discount).promotion_code).toBe(promo.id);

    // Checkout session with breakdown.
    const session = await stripe.checkout.sessions.retrieve(result.checkout_session, {
      expand: ["total_details.breakdown"],
    });
    expect(session.total_details?.amount_discount).toBe(980);
    const breakdown = session.total_details?.breakdown;
    expect(breakdown?.discounts[0].amount).toBe(980);
    expect(breakdown?.discounts[0].discount.promotion_code).toBe(promo.id);
    expect(breakdown?.taxes[0].amount).toBe(392);
    const plain = await stripe.checkout.sessions.retrieve(result.checkout_session);
    expect(plain.total_details?.breakdown).toBeUndefined();

    // Back-links.
    const sessions = await stripe.checkout.sessions.list({
      subscription: result.subscription ?? "",
    });
    expect(sessions.data.map((s) => s.id)).toEqual([result.checkout_session]);
    expect(sessions.data[0].client_reference_id).toBe("click_abc");
    const payments = await stripe.invoicePayments.list({
      payment: { type: "payment_intent", payment_intent: result.payment_intent },
    });
    expect(payments.data.map((p) => p.invoice)).toEqual([result.invoice]);
    const byInvoice = await stripe.invoicePayments.list({ invoice: result.invoice ?? "" });
    expect(byInvoice.data[0].payment.payment_intent).toBe(result.payment_intent);

    const pi = await stripe.paymentIntents.retrieve(result.payment_intent);
    expect(pi).toMatchObject({ status: "succeeded", amount: 4312, latest_charge: result.charge });
    const charge = await stripe.charges.retrieve(result.charge);
    expect(charge).toMatchObject({
      payment_intent: result.payment_intent,
      customer: result.customer,
      amount: 4312,
      amount_refunded: 0,
      refunded: false,
    });
    const customer = await stripe.customers.retrieve(result.customer);
    expect((customer as Stripe.Customer).email).toBe("buyer@example.com");

    // Redemptions counted.
    expect((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed).toBe(1);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it("sends each event exactly twice with duplicate_and_shuffle", async () => {
    const { key } = await setup({ percent_off: 10 });
    const result = await emu.checkout({
      api_key: key,
      amount: 1000,
      currency: "usd",
      promotion_code: "JANE20",
      duplicate_and_shuffle: true,
    });
    expect(receiver.received).toHaveLength(8);
    const counts = new Map<string, number>();
    for (const r of receiver.received) counts.set(r.event.id, (counts.get(r.event.id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(result.events.map((e) => e.id).sort());
    expect([...counts.values()]).toEqual([2, 2, 2, 2]);
    expect(emu.deliveries({ api_key: key })).toHaveLength(8);
  });

  it("applies a once coupon to the first invoice only", async () => {
    const { key, stripe } = await setup({ amount_off: 500, currency: "usd", duration: "once" });
    const first = await emu.checkout({
      api_key: key,
      amount: 2000,
      currency: "usd",
      promotion_code: "JANE20",
    });
    expect(first.amount_total).toBe(1500);
    receiver.clear();
    const renewal = await emu.renewal({ api_key: key, subscription: first.subscription ?? "" });
    expect(renewal).toMatchObject({ discount_applied: false, amount_total: 2000, discounts: [] });
    expect(receiver.types().sort()).toEqual(["invoice.paid", "invoice_payment.paid"]);
    const invoice = await stripe.invoices.retrieve(renewal.invoice);
    expect(invoice.billing_reason).toBe("subscription_cycle");
    expect(invoice.discounts).toEqual([]);
    expect(invoice.total).toBe(2000);
    const sub = await stripe.subscriptions.retrieve(first.subscription ?? "");
    expect(sub.discounts).toEqual([]);
    expect(sub.latest_invoice).toBe(renewal.invoice);
  });

  it("applies a repeating coupon for duration_in_months billing months", async () => {
    const { key, stripe } = await setup({
      percent_off: 50,
      duration: "repeating",
      duration_in_months: 3,
    });
    const first = await emu.checkout({
      api_key: key,
      amount: 1000,
      currency: "usd",
      promotion_code: "JANE20",
    });
    expect(first.amount_total).toBe(500);
    const sub = first.subscription ?? "";
    const r2 = await emu.renewal({ api_key: key, subscription: sub });
    const r3 = await emu.renewal({ api_key: key, subscription: sub });
    const r4 = await emu.renewal({ api_key: key, subscription: sub });
    const r5 = await emu.renewal({ api_key: key, subscription: sub });
    expect([r2, r3, r4, r5].map((r) => r.amount_total)).toEqual([500, 500, 1000, 1000]);
    expect(r3.discounts).toEqual([first.discount]);
    const inv3 = await stripe.invoices.retrieve(r3.invoice, { expand: ["discounts"] });
    expect((inv3.discounts[0] as Stripe.Discount).promotion_code).toBe(first.promotion_code);
    expect(inv3.billing_reason).toBe("subscription_cycle");
  });

  it("applies a forever coupon to every invoice, even after the coupon is deleted", async () => {
    const { key, stripe, coupon } = await setup({ percent_off: 10, duration: "forever" });
    const first = await emu.checkout({
      api_key: key,
      amount: 3000,
      currency: "usd",
      promotion_code: "JANE20",
    });
    await stripe.coupons.del(coupon.id);
    const r2 = await emu.renewal({ api_key: key, subscription: first.subscription ?? "" });
    expect(r2.amount_total).toBe(2700);
  });

  it("works with zero-decimal currencies (JPY)", async () => {
    const { key, stripe } = await setup({ amount_off: 500, currency: "jpy", duration: "forever" });
    const result = await emu.checkout({
      api_key: key,
      amount: 3000,
      currency: "JPY",
      promotion_code: "JANE20",
      tax_percent_bps: 1000,
    });
    expect(result).toMatchObject({
      currency: "jpy",
      amount_subtotal: 3000,
      amount_discount: 500,
      amount_tax: 250,
      amount_total: 2750,
    });
    const invoice = await stripe.invoices.retrieve(result.invoice ?? "");
    expect(invoice).toMatchObject({ currency: "jpy", total: 2750, subtotal: 3000 });
    await expect(
      emu.checkout({ api_key: key, amount: 3000, currency: "usd", promotion_code: "JANE20" }),
    ).rejects.toThrow(/jpy/);
  });

  it("rejects unknown and inactive codes without creating objects", async () => {
    const { key, stripe, promo } = await setup({ percent_off: 10 });
    await expect(
      emu.checkout({ api_key: key, amount: 1000, currency: "usd", promotion_code: "NOPE" }),
    ).rejects.toThrow(/No such promotion code/);
    await stripe.promotionCodes.update(promo.id, { active: false });
    await expect(
      emu.checkout({ api_key: key, amount: 1000, currency: "usd", promotion_code: "JANE20" }),
    ).rejects.toThrow(/inactive/);
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });
});

describe("checkout simulation (payment)", () => {
  it("creates a session + payment intent + charge and sends only checkout.session.completed", async () => {
    const { key, stripe, promo } = await setup({ amount_off: 300, currency: "eur" });
    const result = await emu.checkout({
      api_key: key,
      mode: "payment",
      amount: 1000,
      currency: "eur",
      promotion_code: promo.id,
      client_reference_id: "click_pay",
    });
    expect(result).toMatchObject({
      mode: "payment",
      subscription: null,
      invoice: null,
      amount_total: 700,
    });
    expect(receiver.types()).toEqual(["checkout.session.completed"]);
    const sessions = await stripe.checkout.sessions.list({ payment_intent: result.payment_intent });
    expect(sessions.data).toHaveLength(1);
    expect(sessions.data[0]).toMatchObject({ mode: "payment", client_reference_id: "click_pay" });
    const session = await stripe.checkout.sessions.retrieve(result.checkout_session, {
      expand: ["total_details.breakdown"],
    });
    expect(session.total_details?.breakdown?.discounts[0].discount.promotion_code).toBe(promo.id);
  });
});

describe("refunds", () => {
  it("partial then full refund give a cumulative amount_refunded", async () => {
    const { key, stripe } = await setup({ percent_off: 10 });
    const result = await emu.checkout({
      api_key: key,
      amount: 5000,
      currency: "usd",
      promotion_code: "JANE20",
    });
    receiver.clear();

    const partial = await emu.refund({
      api_key: key,
      payment_intent: result.payment_intent,
      amount: 1000,
    });
    expect(partial).toMatchObject({ amount: 1000, amount_refunded: 1000, refunded: false });
    const full = await emu.refund({ api_key: key, charge: result.charge });
    expect(full).toMatchObject({ amount: 3500, amount_refunded: 4500, refunded: true });

    const refundedEvents = receiver.received
      .filter((r) => r.event.type === "charge.refunded")
      .map((r) => r.event.data.object as Stripe.Charge);
    expect(refundedEvents.map((c) => [c.amount_refunded, c.refunded])).toEqual([
      [1000, false],
      [4500, true],
    ]);
    expect(refundedEvents[0]).toMatchObject({
      payment_intent: result.payment_intent,
      customer: result.customer,
      amount: 4500,
    });
    const charge = await stripe.charges.retrieve(result.charge);
    expect(charge).toMatchObject({ amount_refunded: 4500, refunded: true });
    await expect(emu.refund({ api_key: key, charge: result.charge })).rejects.toThrow(
      /already been refunded/,
    );
  });

  it("refunds via the API emit charge.refunded too", async () => {
    const { key, stripe } = await setup({ percent_off: 10 });
    const result = await emu.checkout({ api_key: key, amount: 2000, currency: "usd" });
    receiver.clear();
    const refund = await stripe.refunds.create({
      payment_intent: result.payment_intent,
      amount: 500,
    });
    expect(refund).toMatchObject({
      object: "refund",
      amount: 500,
      charge: result.charge,
      status: "succeeded",
    });
    expect(refund.id).toMatch(/^re_/);
    await emu.waitForDeliveries();
    const evt = receiver.received.find((r) => r.event.type === "charge.refunded")?.event;
    expect((evt?.data.object as Stripe.Charge).amount_refunded).toBe(500);
    const tooMuch = stripe.refunds.create({ charge: result.charge, amount: 5000 });
    await expect(tooMuch).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});

describe("delivery mechanics", () => {
  it("retries failed deliveries and logs attempts", async () => {
    const { key } = await setup({ percent_off: 10 });
    receiver.failNext = 2;
    const result = await emu.checkout({
      api_key: key,
      mode: "payment",
      amount: 100,
      currency: "usd",
    });
    expect(result.deliveries).toHaveLength(1);
    expect(result.deliveries[0]).toMatchObject({
      status: "succeeded",
      attempts: 3,
      last_status: 200,
    });
    const log = emu.deliveries({ api_key: key, event_type: "checkout.session.completed" });
    expect(log[0].attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it("gives up after max attempts on network errors", async () => {
    const key = newKey();
    const stripe = sdk(emu, key);
    await stripe.webhookEndpoints.create({ url: "http://127.0.0.1:9/hook", enabled_events: ["*"] });
    const result = await emu.checkout({
      api_key: key,
      mode: "payment",
      amount: 100,
      currency: "usd",
    });
    expect(result.deliveries[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      last_status: null,
    });
  });

  it("queues deliveries when delivery is disabled and flushes on demand (over HTTP)", async () => {
    const client = createEmulatorClient(emu.url);
    const { key } = await setup({ percent_off: 10 });
    await client.configure({ deliver: false });
    try {
      const result = await client.checkout({
        api_key: key,
        amount: 1200,
        currency: "usd",
        promotion_code: "JANE20",
      });
      expect(result.amount_total).toBe(1080);
      expect(receiver.received).toHaveLength(0);
      const queued = await client.deliveries({ api_key: key, status: "queued" });
      expect(queued).toHaveLength(4);
      const flushed = await client.flush();
      expect(flushed.every((d) => d.status === "succeeded")).toBe(true);
      expect(receiver.received).toHaveLength(4);
    } finally {
      await client.configure({ deliver: true });
    }
    const state = await client.state(key);
    expect(Array.isArray(state.accounts)).toBe(true);
  });

  it("control API validates input and reports Stripe-shaped errors", async () => {
    const res = await fetch(`${emu.url}/_emulator/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api_key: "nope", amount: 1, currency: "usd" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; param: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: "api_key" });

    const key = newKey();
    const renewal = await fetch(`${emu.url}/_emulator/renewal`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api_key: key, subscription: "sub_missing" }),
    });
    expect(renewal.status).toBe(400);
    const rb = (await renewal.json()) as { error: { code: string } };
    expect(rb.error.code).toBe("resource_missing");
  });

  it("reset drops an account's objects", async () => {
    const key = newKey();
    const stripe = sdk(emu, key);
    await stripe.coupons.create({ percent_off: 1 });
    await createEmulatorClient(emu.url).reset(key);
    expect((await stripe.coupons.list()).data).toHaveLength(0);
  });
});
