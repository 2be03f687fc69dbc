import { describe, expect, it } from "vitest";
import { computeTotals, percentOf, taxFromBps } from "../../tools/stripe-emulator/discounts.js";
import { encodeForm, parseForm } from "../../tools/stripe-emulator/form.js";
import type { CouponObject } from "../../tools/stripe-emulator/types.js";

describe("form parser", () => {
  it("parses nested hashes, indexed arrays and [] arrays", () => {
    expect(
      parseForm(
        "promotion[type]=coupon&promotion[coupon]=ABC&metadata[k%20y]=v+w&expand[]=a&expand[]=b.c&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=2",
      ),
    ).toEqual({
      promotion: { type: "coupon", coupon: "ABC" },
      metadata: { "k y": "v w" },
      expand: ["a", "b.c"],
      items: [{ price: "p1" }, { price: "p2", quantity: "2" }],
    });
  });

  it("round-trips with the SDK-style encoder and ignores prototype keys", () => {
    const data = { a: { b: ["x", "y"], c: "1" }, d: "" };
    expect(parseForm(encodeForm(data))).toEqual(data);
    expect(parseForm("__proto__[x]=1&ok=1")).toEqual({ ok: "1" });
    expect(parseForm("payment[type]=payment_intent&payment[payment_intent]=pi_1")).toEqual({
      payment: { type: "payment_intent", payment_intent: "pi_1" },
    });
  });
});

describe("discount math", () => {
  const coupon = (over: Partial<CouponObject>): CouponObject => ({
    id: "C",
    object: "coupon",
    amount_off: null,
    created: 0,
    currency: null,
    duration: "once",
    duration_in_months: null,
    livemode: false,
    max_redemptions: null,
    metadata: {},
    name: null,
    percent_off: null,
    redeem_by: null,
    times_redeemed: 0,
    valid: true,
    ...over,
  });

  it("rounds percent discounts half-up on minor units", () => {
    expect(percentOf(1005, 10)).toBe(101); // 100.5 -> 101
    expect(percentOf(1999, 20)).toBe(400); // 399.8 -> 400
    expect(percentOf(999, 12.5)).toBe(125); // 124.875 -> 125
    expect(percentOf(3, 50)).toBe(2); // 1.5 -> 2
    expect(taxFromBps(1599, 1000)).toBe(160); // 159.9 -> 160
    expect(taxFromBps(25, 2000)).toBe(5);
  });

  it("caps amount_off at the subtotal and taxes the discounted amount", () => {
    expect(
      computeTotals(500, coupon({ amount_off: 1000, currency: "usd" }), {
        percentBps: 2000,
        amount: null,
      }),
    ).toEqual({
      subtotal: 500,
      discount: 500,
      taxable: 0,
      tax: 0,
      total: 0,
    });
    expect(
      computeTotals(10000, coupon({ percent_off: 25 }), { percentBps: 1900, amount: null }),
    ).toEqual({
      subtotal: 10000,
      discount: 2500,
      taxable: 7500,
      tax: 1425,
      total: 8925,
    });
    expect(computeTotals(1000, null, { percentBps: null, amount: 77 }).total).toBe(1077);
  });
});
