import { describe, expect, it } from "vitest";
import {
  codeCandidate,
  fieldForParam,
  generatedCodeBase,
  describeDiscount,
  isValidCode,
  nextFreeCandidate,
  normalizeCode,
  parseCodeForm,
  parseCouponForm,
  redeemByFromDate,
  affiliateCouponCreateSchema,
  campaignCouponCreateSchema,
  NEW_COUPON_VALUES,
} from "../../app/domain/coupon";
import { canCreateCoupons } from "../../app/domain/plan";

const pct = (bps: number) => ({
  discount_type: "percent" as const,
  percent_off_bps: bps,
  amount_off: null,
  currency: null,
});
const amt = (amount: number, currency = "usd") => ({
  discount_type: "amount" as const,
  percent_off_bps: null,
  amount_off: amount,
  currency,
});

describe("code rules", () => {
  it("normalises (trim + upper-case) and checks ^[A-Z0-9_-]{3,32}$", () => {
    expect(normalizeCode("  sarah20 ")).toBe("SARAH20");
    for (const ok of ["ABC", "SARAH_20", "A-B-C", "X".repeat(32)])
      expect(isValidCode(ok)).toBe(true);
    for (const bad of ["AB", "X".repeat(33), "A B", "ÜBER", "sarah20", "A.B"])
      expect(isValidCode(bad)).toBe(false);
    expect(
      affiliateCouponCreateSchema.parse({ campaign_coupon_id: "x", code: " vip-1 " }).code,
    ).toBe("VIP-1");
    expect(
      affiliateCouponCreateSchema.parse({ campaign_coupon_id: "x", code: "" }).code,
    ).toBeNull();
    expect(
      affiliateCouponCreateSchema.safeParse({ campaign_coupon_id: "x", code: "a b" }).success,
    ).toBe(false);
  });

  it("generates readable codes from the first name and the discount", () => {
    expect(generatedCodeBase("Sarah Chen", pct(2000))).toBe("SARAH20");
    expect(generatedCodeBase("Zoë Ålander", amt(1000))).toBe("ZOE10");
    expect(generatedCodeBase("Marco", pct(1250))).toBe("MARCO12");
    expect(generatedCodeBase("Ken", amt(500, "jpy"))).toBe("KEN500");
    expect(generatedCodeBase("李明", pct(1500))).toBe("PARTNER15");
    expect(generatedCodeBase("Al", amt(50))).toBe("ALCODE");
    expect(generatedCodeBase("Maximilianotheverylongname", pct(2000))).toBe("MAXIMILIANOTHEVE20");
    for (const name of ["Sarah Chen", "李明", "Al", "Maximilianotheverylongname"]) {
      const base = generatedCodeBase(name, pct(10000));
      expect(isValidCode(codeCandidate(base, 999))).toBe(true);
      expect(/^[A-Z0-9-]+$/.test(codeCandidate(base, 999))).toBe(true); // Stripe's charset
    }
  });

  it("collision suffixes: SARAH20, SARAH20-2, SARAH20-3", () => {
    expect(codeCandidate("SARAH20", 1)).toBe("SARAH20");
    expect(codeCandidate("SARAH20", 2)).toBe("SARAH20-2");
    expect(nextFreeCandidate("SARAH20", new Set(["SARAH20", "SARAH20-2"]))).toBe(3);
    expect(nextFreeCandidate("SARAH20", new Set(["SARAH20-2"]))).toBe(1);
    expect(nextFreeCandidate("SARAH20", new Set(["SARAH20-3"]), 3)).toBe(4);
  });
});

describe("discount in words", () => {
  it("once / repeating / forever, percent or money", () => {
    expect(describeDiscount({ ...pct(2000), duration: "once", duration_in_months: null })).toBe(
      "20% off your first payment",
    );
    expect(describeDiscount({ ...pct(2000), duration: "repeating", duration_in_months: 3 })).toBe(
      "20% off for 3 months",
    );
    expect(describeDiscount({ ...pct(1250), duration: "repeating", duration_in_months: 1 })).toBe(
      "12.5% off for 1 month",
    );
    expect(describeDiscount({ ...amt(1000), duration: "forever", duration_in_months: null })).toBe(
      "$10.00 off forever",
    );
    expect(
      describeDiscount({ ...amt(500, "jpy"), duration: "once", duration_in_months: null }),
    ).toBe("¥500 off your first payment");
  });
});

describe("plan gating", () => {
  const now = new Date("2030-01-15T00:00:00Z");
  it("growth/scale always; starter only while the trial runs", () => {
    expect(canCreateCoupons({ plan: "growth", trial_ends_at: "2020-01-01T00:00:00Z" }, now)).toBe(
      true,
    );
    expect(canCreateCoupons({ plan: "scale", trial_ends_at: "2020-01-01T00:00:00Z" }, now)).toBe(
      true,
    );
    expect(canCreateCoupons({ plan: "starter", trial_ends_at: "2030-01-20T00:00:00Z" }, now)).toBe(
      true,
    );
    expect(canCreateCoupons({ plan: "starter", trial_ends_at: "2030-01-15T00:00:00Z" }, now)).toBe(
      false,
    );
    expect(canCreateCoupons({ plan: "starter", trial_ends_at: new Date("2029-12-01") }, now)).toBe(
      false,
    );
  });
});

describe("coupon form parsing", () => {
  it("the defaults parse to a 20% once coupon with click override on and self-service off", () => {
    const r = parseCouponForm({ ...NEW_COUPON_VALUES, name: "Partner" });
    expect(r).toEqual({
      ok: true,
      input: {
        name: "Partner",
        discount: { type: "percent", percent_off: 20 },
        duration: "once",
        duration_in_months: null,
        max_redemptions: null,
        redeem_by: null,
        overrides_click_attribution: true,
        allow_affiliate_self_service: false,
      },
    });
  });

  it("reports every bad field at once", () => {
    const r = parseCouponForm({
      name: "",
      discount_type: "amount",
      amount_off: "10.001",
      currency: "usd",
      duration: "repeating",
      duration_in_months: "0",
      max_redemptions: "-1",
      redeem_by: "2020-02-30",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.fieldErrors).toEqual({
      amount_off: "USD amounts have at most 2 decimal places.",
      max_redemptions: "Enter a whole number, or leave it empty for no limit.",
      redeem_by: "Enter a date such as 2030-12-31.",
      name: "Enter a name.",
      duration_in_months: "Use at least 1 month.",
    });
  });

  it("amount in minor units, repeating months, a redeem-by day at 23:59:59 UTC", () => {
    const day = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const r = parseCouponForm({
      name: "Ten",
      discount_type: "amount",
      amount_off: "10",
      currency: "EUR",
      duration: "repeating",
      duration_in_months: "6",
      max_redemptions: "100",
      redeem_by: day,
      allow_affiliate_self_service: "on",
    });
    expect(r).toMatchObject({
      ok: true,
      input: {
        discount: { type: "amount", amount_off: 1000, currency: "eur" },
        duration_in_months: 6,
        max_redemptions: 100,
        redeem_by: new Date(`${day}T23:59:59.000Z`),
        overrides_click_attribution: false,
        allow_affiliate_self_service: true,
      },
    });
    expect(redeemByFromDate("2030-02-31")).toBeUndefined();
  });

  it("API schema: redeem_by at most 5 years ahead; percent > 0", () => {
    const base = {
      name: "x",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    } as const;
    expect(
      campaignCouponCreateSchema.safeParse({
        ...base,
        redeem_by: new Date(Date.now() + 4 * 365 * 86_400_000).toISOString(),
      }).success,
    ).toBe(true);
    expect(
      campaignCouponCreateSchema.safeParse({
        ...base,
        redeem_by: new Date(Date.now() + 5 * 366 * 86_400_000).toISOString(),
      }).success,
    ).toBe(false);
    expect(
      campaignCouponCreateSchema.safeParse({
        ...base,
        discount: { type: "percent", percent_off: 0 },
      }).success,
    ).toBe(false);
    expect(
      campaignCouponCreateSchema.safeParse({ ...base, discount: { type: "bogus" } }).success,
    ).toBe(false);
  });

  it("code form: optional commission percent", () => {
    expect(
      parseCodeForm(
        { campaign_coupon_id: "c", code: "x", commission_rate: "12.5" },
        { allowCommission: true },
      ),
    ).toEqual({
      ok: true,
      input: { campaign_coupon_id: "c", code: "x", commission_rate_percent: 12.5 },
    });
    expect(
      parseCodeForm({ campaign_coupon_id: "c", commission_rate: "101" }, { allowCommission: true }),
    ).toMatchObject({ ok: false });
    expect(
      parseCodeForm({ campaign_coupon_id: "c", commission_rate: "50" }, { allowCommission: false }),
    ).toEqual({
      ok: true,
      input: { campaign_coupon_id: "c", code: "" },
    });
  });

  it("maps params to form fields", () => {
    expect(fieldForParam("discount.percent_off")).toBe("percent_off");
    expect(fieldForParam("promotion[coupon]")).toBe("coupon");
    expect(fieldForParam(undefined)).toBe("form");
  });
});
