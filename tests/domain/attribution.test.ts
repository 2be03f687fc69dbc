import { describe, expect, it } from "vitest";
import {
  type AttributionRule,
  type AttributionSignals,
  type ClickCandidate,
  type CouponCandidate,
  type ExistingReferral,
  decideAttribution,
  isClickWithinWindow,
} from "~/domain/attribution";

const click = (over: Partial<ClickCandidate> = {}): ClickCandidate => ({
  clickId: "clk_1",
  affiliateId: "aff_click",
  campaignId: "cmp_click",
  clickedAt: "2025-01-10T12:00:00.000Z",
  ...over,
});

const coupon = (over: Partial<CouponCandidate> = {}): CouponCandidate => ({
  affiliateCouponId: "ac_1",
  code: "SAVE20",
  affiliateId: "aff_code",
  campaignId: "cmp_code",
  campaignCouponId: "cc_1",
  overridesClickAttribution: true,
  commissionRateBps: null,
  ...over,
});

const bound = (over: Partial<ExistingReferral> = {}): ExistingReferral => ({
  referralId: "ref_1",
  affiliateId: "aff_bound",
  campaignId: "cmp_bound",
  method: "link",
  boundAt: new Date("2024-12-01T00:00:00Z"),
  ...over,
});

interface Row {
  name: string;
  signals: AttributionSignals;
  rule: AttributionRule;
  winner: { affiliateId: string; campaignId: string; method: "link" | "coupon" | "s2s" } | null;
  createsBinding: boolean;
  countsRedemptionOn: string | null;
}

const table: Row[] = [
  {
    name: "no signal at all",
    signals: {},
    rule: "no_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "null signals are the same as absent ones",
    signals: {
      clickCandidate: null,
      couponCandidate: null,
      existingReferral: null,
      s2sCandidate: null,
    },
    rule: "no_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "coupon only",
    signals: { couponCandidate: coupon() },
    rule: "coupon_only",
    winner: { affiliateId: "aff_code", campaignId: "cmp_code", method: "coupon" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "link only",
    signals: { clickCandidate: click() },
    rule: "link_only",
    winner: { affiliateId: "aff_click", campaignId: "cmp_click", method: "link" },
    createsBinding: true,
    countsRedemptionOn: null,
  },
  {
    name: "link + coupon, override on: the code's affiliate wins",
    signals: {
      clickCandidate: click(),
      couponCandidate: coupon({ overridesClickAttribution: true }),
    },
    rule: "coupon_overrides_click",
    winner: { affiliateId: "aff_code", campaignId: "cmp_code", method: "coupon" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "link + coupon, override off: the click wins and the redemption still counts on the code",
    signals: {
      clickCandidate: click(),
      couponCandidate: coupon({ overridesClickAttribution: false }),
    },
    rule: "click_wins_coupon_counted",
    winner: { affiliateId: "aff_click", campaignId: "cmp_click", method: "link" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "link + coupon of the same affiliate, override off: the click wins",
    signals: {
      clickCandidate: click({ affiliateId: "aff_same" }),
      couponCandidate: coupon({ affiliateId: "aff_same", overridesClickAttribution: false }),
    },
    rule: "click_wins_coupon_counted",
    winner: { affiliateId: "aff_same", campaignId: "cmp_click", method: "link" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "existing binding beats a new code (override on) and a new click",
    signals: { existingReferral: bound(), clickCandidate: click(), couponCandidate: coupon() },
    rule: "existing_binding",
    winner: { affiliateId: "aff_bound", campaignId: "cmp_bound", method: "link" },
    createsBinding: false,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "existing binding alone (a renewal): the binding's method is kept",
    signals: { existingReferral: bound({ method: "coupon", affiliateCouponId: "ac_9" }) },
    rule: "existing_binding",
    winner: { affiliateId: "aff_bound", campaignId: "cmp_bound", method: "coupon" },
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "renewal with the same code still on the invoice: no second redemption",
    signals: {
      existingReferral: bound({
        affiliateId: "aff_code",
        campaignId: "cmp_code",
        method: "coupon",
        affiliateCouponId: "ac_1",
      }),
      couponCandidate: coupon({ alreadyRedeemedByCustomer: true }),
    },
    rule: "existing_binding",
    winner: { affiliateId: "aff_code", campaignId: "cmp_code", method: "coupon" },
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "bound affiliate suspended: nobody is credited, no re-binding to the new code",
    signals: {
      existingReferral: bound({ ineligibleReason: "affiliate_not_approved" }),
      couponCandidate: coupon(),
    },
    rule: "existing_binding_ineligible",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "coupon of an unapproved affiliate + eligible click: the click wins, redemption counted",
    signals: {
      clickCandidate: click(),
      couponCandidate: coupon({ ineligibleReason: "affiliate_not_approved" }),
    },
    rule: "click_wins_coupon_ineligible",
    winner: { affiliateId: "aff_click", campaignId: "cmp_click", method: "link" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "expired click + coupon with override off: the coupon wins",
    signals: {
      clickCandidate: click({ ineligibleReason: "click_expired" }),
      couponCandidate: coupon({ overridesClickAttribution: false }),
    },
    rule: "coupon_wins_click_ineligible",
    winner: { affiliateId: "aff_code", campaignId: "cmp_code", method: "coupon" },
    createsBinding: true,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "both ineligible",
    signals: {
      clickCandidate: click({ ineligibleReason: "click_expired" }),
      couponCandidate: coupon({ ineligibleReason: "code_inactive" }),
    },
    rule: "no_eligible_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "coupon only, ineligible",
    signals: { couponCandidate: coupon({ ineligibleReason: "affiliate_not_approved" }) },
    rule: "no_eligible_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: "ac_1",
  },
  {
    name: "click only, ineligible",
    signals: { clickCandidate: click({ ineligibleReason: "affiliate_not_approved" }) },
    rule: "no_eligible_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "second purchase of a customer who already redeemed the code: bound, not counted again",
    signals: {
      existingReferral: bound({
        affiliateId: "aff_code",
        campaignId: "cmp_code",
        method: "coupon",
      }),
      couponCandidate: coupon({ alreadyRedeemedByCustomer: true }),
    },
    rule: "existing_binding",
    winner: { affiliateId: "aff_code", campaignId: "cmp_code", method: "coupon" },
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "S2S report wins and binds nobody",
    signals: { s2sCandidate: { affiliateId: "aff_s2s", campaignId: "cmp_s2s", clickId: "clk_s" } },
    rule: "s2s_report",
    winner: { affiliateId: "aff_s2s", campaignId: "cmp_s2s", method: "s2s" },
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "S2S report is explicit: it beats an existing binding",
    signals: {
      s2sCandidate: { affiliateId: "aff_s2s", campaignId: "cmp_s2s" },
      existingReferral: bound(),
    },
    rule: "s2s_report",
    winner: { affiliateId: "aff_s2s", campaignId: "cmp_s2s", method: "s2s" },
    createsBinding: false,
    countsRedemptionOn: null,
  },
  {
    name: "S2S report for an unapproved affiliate",
    signals: {
      s2sCandidate: {
        affiliateId: "aff_s2s",
        campaignId: "cmp_s2s",
        ineligibleReason: "affiliate_not_approved",
      },
    },
    rule: "no_eligible_signal",
    winner: null,
    createsBinding: false,
    countsRedemptionOn: null,
  },
];

describe("decideAttribution: scenario table", () => {
  it.each(table)("$name -> $rule", (row) => {
    const d = decideAttribution(row.signals);
    expect(d.rule).toBe(row.rule);
    expect(
      d.winner
        ? {
            affiliateId: d.winner.affiliateId,
            campaignId: d.winner.campaignId,
            method: d.winner.method,
          }
        : null,
    ).toEqual(row.winner);
    expect(d.createsBinding).toBe(row.createsBinding);
    expect(d.countsRedemptionOn).toBe(row.countsRedemptionOn);
    expect(d.version).toBe(1);
    // Exactly the selected candidate is marked, and only when there is a winner.
    expect(d.candidates.filter((c) => c.selected)).toHaveLength(d.winner ? 1 : 0);
    // The record survives a JSON round trip unchanged.
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe("decideAttribution: the winner's details", () => {
  it("carries the code's own rate and code id when the code wins", () => {
    const d = decideAttribution({
      clickCandidate: click(),
      couponCandidate: coupon({ commissionRateBps: 3500 }),
    });
    expect(d.winner).toEqual({
      affiliateId: "aff_code",
      campaignId: "cmp_code",
      method: "coupon",
      clickId: null,
      affiliateCouponId: "ac_1",
      commissionRateBps: 3500,
    });
  });

  it("does not apply the code's rate when the click wins", () => {
    const d = decideAttribution({
      clickCandidate: click(),
      couponCandidate: coupon({ commissionRateBps: 3500, overridesClickAttribution: false }),
    });
    expect(d.winner).toEqual({
      affiliateId: "aff_click",
      campaignId: "cmp_click",
      method: "link",
      clickId: "clk_1",
      affiliateCouponId: null,
      commissionRateBps: null,
    });
  });

  it("keeps the binding's code rate for renewals", () => {
    const d = decideAttribution({
      existingReferral: bound({
        method: "coupon",
        affiliateCouponId: "ac_7",
        commissionRateBps: 1500,
      }),
    });
    expect(d.winner).toMatchObject({
      affiliateCouponId: "ac_7",
      commissionRateBps: 1500,
      method: "coupon",
    });
  });

  it("treats a 0 bps code rate as a real rate, not as 'no rate'", () => {
    const d = decideAttribution({ couponCandidate: coupon({ commissionRateBps: 0 }) });
    expect(d.winner?.commissionRateBps).toBe(0);
  });

  it("rejects a negative or fractional code rate", () => {
    expect(() => decideAttribution({ couponCandidate: coupon({ commissionRateBps: -1 }) })).toThrow(
      RangeError,
    );
    expect(() =>
      decideAttribution({ couponCandidate: coupon({ commissionRateBps: 12.5 }) }),
    ).toThrow(RangeError);
  });

  it("rejects an invalid date", () => {
    expect(() => decideAttribution({ clickCandidate: click({ clickedAt: "not a date" }) })).toThrow(
      RangeError,
    );
  });
});

describe("decideAttribution: the decision record", () => {
  it("lists every candidate in a fixed order with its details and eligibility", () => {
    const d = decideAttribution({
      couponCandidate: coupon({ overridesClickAttribution: false, commissionRateBps: 1000 }),
      clickCandidate: click({ clickedAt: new Date("2025-01-10T12:00:00Z") }),
      existingReferral: null,
    });
    expect(d).toEqual({
      version: 1,
      rule: "click_wins_coupon_counted",
      winner: {
        affiliateId: "aff_click",
        campaignId: "cmp_click",
        method: "link",
        clickId: "clk_1",
        affiliateCouponId: null,
        commissionRateBps: null,
      },
      createsBinding: true,
      countsRedemptionOn: "ac_1",
      candidates: [
        {
          source: "click",
          affiliateId: "aff_click",
          campaignId: "cmp_click",
          clickId: "clk_1",
          clickedAt: "2025-01-10T12:00:00.000Z",
          eligible: true,
          ineligibleReason: null,
          selected: true,
        },
        {
          source: "coupon",
          affiliateId: "aff_code",
          campaignId: "cmp_code",
          affiliateCouponId: "ac_1",
          code: "SAVE20",
          campaignCouponId: "cc_1",
          overridesClickAttribution: false,
          commissionRateBps: 1000,
          alreadyRedeemedByCustomer: false,
          eligible: true,
          ineligibleReason: null,
          selected: false,
        },
      ],
    });
  });

  it("records the binding and why it could not be credited", () => {
    const d = decideAttribution({
      existingReferral: bound({ ineligibleReason: "affiliate_not_approved" }),
      clickCandidate: click(),
    });
    expect(d.candidates.map((c) => [c.source, c.eligible, c.ineligibleReason, c.selected])).toEqual(
      [
        ["existing_referral", false, "affiliate_not_approved", false],
        ["click", true, null, false],
      ],
    );
    expect(d.candidates[0]).toMatchObject({
      boundAt: "2024-12-01T00:00:00.000Z",
      referralId: "ref_1",
      method: "link",
    });
  });
});

/** Deterministic PRNG (mulberry32) so the property loops are repeatable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("decideAttribution: arrival order never matters", () => {
  type Piece =
    | { key: "clickCandidate"; value: ClickCandidate }
    | { key: "couponCandidate"; value: CouponCandidate }
    | { key: "existingReferral"; value: ExistingReferral };

  it("gathering the same signals from events in any order (with duplicates) gives the same decision", () => {
    const rand = mulberry32(20250101);
    for (let round = 0; round < 300; round++) {
      const pieces: Piece[] = [];
      if (rand() < 0.7)
        pieces.push({
          key: "clickCandidate",
          value: click({ ineligibleReason: rand() < 0.2 ? "click_expired" : null }),
        });
      if (rand() < 0.7) {
        pieces.push({
          key: "couponCandidate",
          value: coupon({
            overridesClickAttribution: rand() < 0.5,
            commissionRateBps: rand() < 0.5 ? null : Math.floor(rand() * 10001),
          }),
        });
      }
      if (rand() < 0.3) pieces.push({ key: "existingReferral", value: bound() });
      // Events: each piece delivered 1-3 times, shuffled.
      const events = pieces.flatMap((p) =>
        Array.from({ length: 1 + Math.floor(rand() * 3) }, () => p),
      );
      const reference = decideAttribution(
        Object.fromEntries(pieces.map((p) => [p.key, p.value])) as AttributionSignals,
      );
      for (let perm = 0; perm < 4; perm++) {
        const shuffled = [...events];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const gathered: AttributionSignals = {};
        for (const e of shuffled) Object.assign(gathered, { [e.key]: e.value });
        expect(decideAttribution(gathered)).toEqual(reference);
      }
    }
  });
});

describe("isClickWithinWindow", () => {
  const at = "2025-03-31T12:00:00.000Z";
  it.each([
    ["same moment", "2025-03-31T12:00:00.000Z", 30, true],
    ["exactly 30 days before", "2025-03-01T12:00:00.000Z", 30, true],
    ["30 days and 1 ms before", "2025-03-01T11:59:59.999Z", 30, false],
    ["window 0, same moment", "2025-03-31T12:00:00.000Z", 0, true],
    ["click slightly after the purchase (clock skew)", "2025-03-31T12:00:05.000Z", 1, true],
  ] as const)("%s", (_name, clickedAt, days, expected) => {
    expect(isClickWithinWindow(clickedAt, days, at)).toBe(expected);
  });

  it("rejects a negative window", () => {
    expect(() => isClickWithinWindow(at, -1, at)).toThrow(RangeError);
  });
});
