/** Pure readers (app/stripe/readers.ts) and the payment history helpers: payload shapes per STRIPE.md. */
import { describe, expect, it } from "vitest";
import {
  comparePayments,
  effectiveAt,
  mergeHistory,
  parseHistory,
  type PaymentRecord,
} from "../../app/domain/payment-history";
import {
  normaliseClickRef,
  readCharge,
  readCheckoutSession,
  readInvoice,
  readInvoicePayment,
  readSubscription,
} from "../../app/stripe/readers";

const CLICK = "3f1c2b7e-9a0d-4c5e-8f6a-1b2c3d4e5f60";

describe("readInvoice", () => {
  const invoice = {
    object: "invoice",
    id: "in_1",
    customer: "cus_1",
    currency: "USD",
    billing_reason: "subscription_cycle",
    total: 5500,
    total_taxes: [{ amount: 500 }],
    created: 100,
    status_transitions: { paid_at: 120 },
    discounts: [
      "di_a",
      {
        id: "di_b",
        promotion_code: { id: "promo_b", metadata: { rekomi_affiliate_coupon_id: "ac_1" } },
      },
    ],
    parent: {
      subscription_details: {
        subscription: "sub_1",
        metadata: { rekomi_ref: CLICK.toUpperCase() },
      },
    },
    lines: {
      data: [
        {
          period: { start: 200, end: 300 },
          discounts: ["di_a", "di_c"],
          parent: { subscription_item_details: { subscription: "sub_1" } },
        },
      ],
    },
  };

  it("reads amount net of tax, ids, times, discounts (invoice + lines, expanded or not) and the click", () => {
    expect(readInvoice(invoice)).toEqual({
      id: "in_1",
      customerId: "cus_1",
      subscriptionId: "sub_1",
      billingReason: "subscription_cycle",
      currency: "usd",
      amount: 5000,
      paidAt: 120,
      periodStart: 200,
      discounts: [
        { discountId: "di_a", promotionCodeId: undefined, affiliateCouponIdHint: null },
        { discountId: "di_b", promotionCodeId: "promo_b", affiliateCouponIdHint: "ac_1" },
        { discountId: "di_c", promotionCodeId: undefined, affiliateCouponIdHint: null },
      ],
      clickRef: CLICK,
    });
    expect(effectiveAt({ paidAt: 120, periodStart: 200 })).toBe(200);
  });

  it("tolerates missing fields and rejects other objects", () => {
    expect(readInvoice({ object: "invoice", id: "in_2" })).toMatchObject({
      amount: 0,
      discounts: [],
      subscriptionId: null,
      clickRef: null,
    });
    expect(readInvoice({ object: "charge", id: "ch_1" })).toBeNull();
    expect(readInvoice(null)).toBeNull();
  });
});

describe("readCheckoutSession", () => {
  it("reads client_reference_id, breakdown codes, net amount, payment intent", () => {
    const s = readCheckoutSession({
      object: "checkout.session",
      id: "cs_1",
      mode: "payment",
      payment_status: "paid",
      customer: "cus_1",
      payment_intent: "pi_1",
      amount_total: 1100,
      currency: "jpy",
      created: 5,
      client_reference_id: CLICK,
      total_details: {
        amount_tax: 100,
        breakdown: {
          discounts: [{ amount: 10, discount: { id: "di_1", promotion_code: "promo_1" } }],
        },
      },
      discounts: [{ promotion_code: "promo_2" }],
    });
    expect(s).toMatchObject({
      amount: 1000,
      currency: "jpy",
      clickRef: CLICK,
      promotionCodeIds: ["promo_1", "promo_2"],
      breakdownKnown: true,
      paymentIntentId: "pi_1",
      paid: true,
    });
  });

  it("a webhook payload has no breakdown; metadata.rekomi_ref is a fallback click", () => {
    const s = readCheckoutSession({
      object: "checkout.session",
      id: "cs_2",
      mode: "subscription",
      metadata: { rekomi_ref: CLICK },
      total_details: {},
    });
    expect(s).toMatchObject({
      breakdownKnown: false,
      clickRef: CLICK,
      promotionCodeIds: [],
      paid: false,
    });
  });
});

describe("other readers", () => {
  it("subscription, invoice payment, charge", () => {
    expect(
      readSubscription({
        object: "subscription",
        id: "sub_1",
        customer: { id: "cus_1" },
        discounts: ["di_1"],
        metadata: {},
        created: 9,
      }),
    ).toEqual({
      id: "sub_1",
      customerId: "cus_1",
      discounts: [{ discountId: "di_1", promotionCodeId: undefined, affiliateCouponIdHint: null }],
      clickRef: null,
      createdAt: 9,
    });
    expect(
      readInvoicePayment({
        object: "invoice_payment",
        invoice: "in_1",
        payment: { type: "payment_intent", payment_intent: "pi_1" },
      }),
    ).toEqual({
      invoiceId: "in_1",
      paymentIntentId: "pi_1",
    });
    expect(
      readCharge({
        object: "charge",
        id: "ch_1",
        payment_intent: "pi_1",
        amount: 900,
        amount_refunded: 300,
        currency: "EUR",
        refunded: false,
      }),
    ).toEqual({
      id: "ch_1",
      paymentIntentId: "pi_1",
      customerId: null,
      currency: "eur",
      amount: 900,
      amountRefunded: 300,
      refunded: false,
    });
  });

  it("only uuids are Rekomi click ids", () => {
    expect(normaliseClickRef(` ${CLICK} `)).toBe(CLICK);
    expect(normaliseClickRef("order-123")).toBeNull();
    expect(normaliseClickRef("'; drop table clicks; --")).toBeNull();
    expect(normaliseClickRef(42)).toBeNull();
  });
});

describe("payment history", () => {
  const rec = (key: string, at: number, extra: Partial<PaymentRecord> = {}): PaymentRecord => ({
    key,
    kind: "invoice",
    customerId: "cus_1",
    at,
    periodStart: at,
    amount: 100,
    currency: "usd",
    billingReason: null,
    subscriptionId: null,
    sessionId: null,
    paymentIntentId: null,
    promotionCodeIds: [],
    affiliateCouponHints: [],
    clickRef: null,
    processed: false,
    ...extra,
  });

  it("orders by time then key, merges views of one payment, survives a jsonb round trip", () => {
    const merged = mergeHistory(
      [rec("in_b", 10, { processed: true }), rec("in_a", 10)],
      [rec("in_b", 10, { clickRef: CLICK, promotionCodeIds: ["promo_1"] }), rec("in_0", 5)],
    );
    expect(merged.map((r) => r.key)).toEqual(["in_0", "in_a", "in_b"]);
    expect(merged[2]).toMatchObject({
      processed: true,
      clickRef: CLICK,
      promotionCodeIds: ["promo_1"],
    });
    expect(parseHistory(JSON.parse(JSON.stringify(merged)))).toEqual(merged);
    expect(parseHistory([{ nope: 1 }, null, "x"])).toEqual([]);
    expect(comparePayments(rec("in_a", 1), rec("in_a", 1))).toBe(0);
  });
});
