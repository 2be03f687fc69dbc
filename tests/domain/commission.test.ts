import { describe, expect, it } from "vitest";
import { decideAttribution } from "~/domain/attribution";
import {
  type CommissionInput,
  type CommissionReason,
  addCalendarMonths,
  buildDecisionRecord,
  commissionFor,
  computeCommission,
  isWithinRecurringWindow,
  percentOf,
} from "~/domain/commission";

describe("percentOf: basis points, half-up to the minor unit", () => {
  it.each([
    // [amount, bps, expected, why]
    [1, 2000, 0, "0.2 rounds down"],
    [2, 2500, 1, "0.5 rounds up"],
    [3, 2500, 1, "0.75 rounds up"],
    [1, 5000, 1, "0.5 rounds up"],
    [1, 4999, 0, "0.4999 rounds down"],
    [5, 1000, 1, "0.5 rounds up"],
    [15, 1000, 2, "1.5 rounds up"],
    [25, 1000, 3, "2.5 rounds up (not to even)"],
    [14, 1000, 1, "1.4 rounds down"],
    [999, 3333, 333, "332.9667 rounds up"],
    [10_000, 2000, 2000, "exact"],
    [12_345, 2000, 2469, "2469.0 exact"],
    [12_345, 1750, 2160, "2160.375 rounds down"],
    [12_346, 1250, 1543, "1543.25 rounds down"],
    [12_348, 1250, 1544, "1543.5 rounds up"],
    [0, 2000, 0, "$0"],
    [100, 0, 0, "0 bps"],
    [100, 10_000, 100, "100%"],
    [1, 1, 0, "0.0001"],
    [5000, 1, 1, "0.5 at 1 bps rounds up"],
    [4999, 1, 0, "0.4999 at 1 bps"],
  ])("%i minor units at %i bps = %i (%s)", (amount, bps, expected) => {
    expect(percentOf(amount, bps)).toBe(expected);
  });

  it("is exact for amounts where amount * bps exceeds 2^53 (BigInt, no floats)", () => {
    const max = Number.MAX_SAFE_INTEGER; // 9007199254740991
    expect(percentOf(max, 10_000)).toBe(max);
    // 9007199254740991 * 2500 / 10000 = 2251799813685247.75 -> ...248
    expect(percentOf(max, 2500)).toBe(2251799813685248);
    // 9007199254740991 * 5000 / 10000 = 4503599627370495.5 -> ...496 (half-up)
    expect(percentOf(max, 5000)).toBe(4503599627370496);
    // 999_999_999_999_999 * 3333 / 10000 = 333299999999999.6667 -> ...300000
    expect(percentOf(999_999_999_999_999, 3333)).toBe(333_300_000_000_000);
    // A float version would get this one wrong: 900719925474099 * 7 = 6305039478318693 (> 2^52)
    expect(percentOf(900_719_925_474_099, 7)).toBe(630_503_947_832);
  });

  it("agrees with a decimal long-division reference over random inputs", () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 2000; i++) {
      const amount = Math.floor(rand() * 10 ** Math.floor(rand() * 15));
      const bps = Math.floor(rand() * 10_001);
      const product = BigInt(amount) * BigInt(bps);
      const q = product / 10_000n;
      const r = product % 10_000n;
      expect(percentOf(amount, bps)).toBe(Number(r * 2n >= 10_000n ? q + 1n : q));
    }
  });

  it.each([
    [-1, 100],
    [1.5, 100],
    [Number.MAX_SAFE_INTEGER + 1, 100],
    [Number.NaN, 100],
    [100, -1],
    [100, 10_001],
    [100, 0.5],
  ])("rejects amount %s / bps %s", (amount, bps) => {
    expect(() => percentOf(amount, bps)).toThrow(RangeError);
  });
});

describe("addCalendarMonths (UTC, day clamped to month end, time kept)", () => {
  it.each([
    ["2025-01-31T10:00:00.000Z", 1, "2025-02-28T10:00:00.000Z"],
    ["2024-01-31T10:00:00.000Z", 1, "2024-02-29T10:00:00.000Z"],
    ["2025-01-31T10:00:00.000Z", 2, "2025-03-31T10:00:00.000Z"],
    ["2025-01-31T10:00:00.000Z", 3, "2025-04-30T10:00:00.000Z"],
    ["2025-03-31T23:59:59.999Z", -1, "2025-02-28T23:59:59.999Z"],
    ["2025-12-15T00:00:00.000Z", 1, "2026-01-15T00:00:00.000Z"],
    ["2025-11-30T00:00:00.000Z", 3, "2026-02-28T00:00:00.000Z"],
    ["2024-02-29T00:00:00.000Z", 12, "2025-02-28T00:00:00.000Z"],
    ["2024-02-29T00:00:00.000Z", 48, "2028-02-29T00:00:00.000Z"],
    ["2025-05-31T00:00:00.000Z", 0, "2025-05-31T00:00:00.000Z"],
    ["2025-01-15T00:00:00.000Z", 120, "2035-01-15T00:00:00.000Z"],
    ["2025-01-15T00:00:00.000Z", -13, "2023-12-15T00:00:00.000Z"],
    ["1900-01-31T00:00:00.000Z", 1, "1900-02-28T00:00:00.000Z"],
    ["2000-01-31T00:00:00.000Z", 1, "2000-02-29T00:00:00.000Z"],
  ])("%s + %i months = %s", (from, months, expected) => {
    expect(addCalendarMonths(from, months).toISOString()).toBe(expected);
  });

  it("accepts a Date and leaves it unchanged", () => {
    const d = new Date("2025-01-31T00:00:00Z");
    expect(addCalendarMonths(d, 1).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    expect(d.toISOString()).toBe("2025-01-31T00:00:00.000Z");
  });
});

describe("isWithinRecurringWindow", () => {
  const anchor = "2025-01-31T10:00:00.000Z";
  // [recurringMonths, anchor, periodStart, expected, why]
  const rows: Array<[number | null, string | null, string, boolean, string]> = [
    [null, anchor, "2035-01-31T10:00:00.000Z", true, "null = forever"],
    [0, null, "2025-01-31T10:00:00.000Z", true, "first paid payment (no anchor yet)"],
    [0, anchor, anchor, true, "0 = the first payment itself"],
    [0, anchor, "2025-02-28T10:00:00.000Z", false, "0 = not the renewal"],
    [1, anchor, anchor, true, "1 month: first payment"],
    [1, anchor, "2025-02-28T09:59:59.999Z", true, "just before Jan 31 + 1 month (Feb 28)"],
    [
      1,
      anchor,
      "2025-02-28T10:00:00.000Z",
      false,
      "Feb 28 = Jan 31 + 1 month: outside (1 month = 1 monthly payment)",
    ],
    [2, anchor, "2025-02-28T10:00:00.000Z", true, "2 months: second monthly payment"],
    [2, anchor, "2025-03-31T10:00:00.000Z", false, "2 months: third monthly payment"],
    [12, anchor, "2025-12-31T10:00:00.000Z", true, "12 months: 12th monthly payment"],
    [12, anchor, "2026-01-31T10:00:00.000Z", false, "12 months: 13th monthly payment"],
    [
      12,
      "2025-03-15T00:00:00.000Z",
      "2026-03-14T23:59:59.999Z",
      true,
      "annual plan renews at the anchor: only the first year",
    ],
    [
      12,
      "2025-03-15T00:00:00.000Z",
      "2026-03-15T00:00:00.000Z",
      false,
      "12 months: the second annual payment is out",
    ],
    [
      1,
      "2024-01-31T00:00:00.000Z",
      "2024-02-29T00:00:00.000Z",
      false,
      "leap year: Feb 29 is Jan 31 + 1 month",
    ],
    [
      1,
      "2024-01-31T00:00:00.000Z",
      "2024-02-28T00:00:00.000Z",
      true,
      "leap year: Feb 28 is still inside",
    ],
    [3, "2025-11-30T00:00:00.000Z", "2026-02-27T00:00:00.000Z", true, "year boundary, inside"],
    [
      3,
      "2025-11-30T00:00:00.000Z",
      "2026-02-28T00:00:00.000Z",
      false,
      "year boundary, Nov 30 + 3 = Feb 28",
    ],
    [1, anchor, "2025-01-01T00:00:00.000Z", true, "a period before the anchor is inside"],
  ];
  it.each(rows)(
    "months=%s anchor=%s period=%s -> %s (%s)",
    (recurringMonths, a, periodStart, expected) => {
      expect(isWithinRecurringWindow({ recurringMonths, anchor: a, periodStart })).toBe(expected);
    },
  );

  it("counts exactly N monthly payments for N months, for every anchor day of 2024-2025", () => {
    for (let day = 0; day < 731; day++) {
      const a = new Date(Date.UTC(2024, 0, 1 + day, 9, 30));
      for (const n of [1, 2, 3, 6, 12]) {
        let inside = 0;
        for (let k = 0; k < 30; k++) {
          // Stripe-style monthly period starts: anchor + k months, clamped.
          if (
            isWithinRecurringWindow({
              recurringMonths: n,
              anchor: a,
              periodStart: addCalendarMonths(a, k),
            })
          )
            inside++;
        }
        expect(inside, `${a.toISOString()} n=${n}`).toBe(n);
      }
    }
  });

  it("rejects a negative or fractional recurringMonths", () => {
    expect(() =>
      isWithinRecurringWindow({ recurringMonths: -1, anchor, periodStart: anchor }),
    ).toThrow(RangeError);
    expect(() =>
      isWithinRecurringWindow({ recurringMonths: 1.5, anchor, periodStart: anchor }),
    ).toThrow(RangeError);
  });
});

const base = (over: Partial<CommissionInput> = {}): CommissionInput => ({
  amount: 10_000,
  currency: "usd",
  affiliateId: "aff_1",
  campaignCommission: { type: "percent", bps: 2000 },
  codeCommissionBps: null,
  overrideBps: 0,
  parentAffiliateId: null,
  recurring: { recurringMonths: null, anchor: null, periodStart: "2025-01-01T00:00:00Z" },
  ...over,
});

describe("computeCommission: scenario table", () => {
  interface Row {
    name: string;
    input: CommissionInput;
    commission: number;
    reason: CommissionReason;
    override: { affiliateId: string; amount: number } | null;
  }
  const renewalOutside = {
    recurringMonths: 0,
    anchor: "2025-01-01T00:00:00Z",
    periodStart: "2025-02-01T00:00:00Z",
  };
  const table: Row[] = [
    {
      name: "campaign percent",
      input: base(),
      commission: 2000,
      reason: "campaign_percent",
      override: null,
    },
    {
      name: "per-code rate overrides the campaign percent",
      input: base({ codeCommissionBps: 3500 }),
      commission: 3500,
      reason: "code_percent",
      override: null,
    },
    {
      name: "per-code rate overrides a flat campaign",
      input: base({
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
        codeCommissionBps: 1000,
      }),
      commission: 1000,
      reason: "code_percent",
      override: null,
    },
    {
      name: "per-code rate of 0 pays nothing",
      input: base({ codeCommissionBps: 0 }),
      commission: 0,
      reason: "code_percent",
      override: null,
    },
    {
      name: "flat in the conversion currency",
      input: base({ campaignCommission: { type: "flat", amount: 500, currency: "usd" } }),
      commission: 500,
      reason: "flat",
      override: null,
    },
    {
      name: "flat currency compared case-insensitively",
      input: base({
        currency: "USD",
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
      }),
      commission: 500,
      reason: "flat",
      override: null,
    },
    {
      name: "flat larger than the sale is still the flat amount",
      input: base({
        amount: 100,
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
      }),
      commission: 500,
      reason: "flat",
      override: null,
    },
    {
      name: "flat in another currency: 0 with a reason",
      input: base({
        currency: "eur",
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
      }),
      commission: 0,
      reason: "flat_currency_mismatch",
      override: null,
    },
    {
      name: "flat currency mismatch: the parent's percentage override is still paid",
      input: base({
        currency: "eur",
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
        parentAffiliateId: "aff_parent",
        overrideBps: 500,
      }),
      commission: 0,
      reason: "flat_currency_mismatch",
      override: { affiliateId: "aff_parent", amount: 500 },
    },
    {
      name: "$0 percent",
      input: base({ amount: 0 }),
      commission: 0,
      reason: "zero_amount",
      override: null,
    },
    {
      name: "$0 flat",
      input: base({
        amount: 0,
        campaignCommission: { type: "flat", amount: 500, currency: "usd" },
      }),
      commission: 0,
      reason: "zero_amount",
      override: null,
    },
    {
      name: "$0 with a parent: override 0",
      input: base({ amount: 0, parentAffiliateId: "aff_parent", overrideBps: 1000 }),
      commission: 0,
      reason: "zero_amount",
      override: { affiliateId: "aff_parent", amount: 0 },
    },
    {
      name: "JPY: minor units are yen",
      input: base({
        amount: 9_800,
        currency: "jpy",
        campaignCommission: { type: "percent", bps: 1250 },
      }),
      commission: 1225,
      reason: "campaign_percent",
      override: null,
    },
    {
      name: "JPY half-up: 1 yen at 50%",
      input: base({
        amount: 1,
        currency: "jpy",
        campaignCommission: { type: "percent", bps: 5000 },
      }),
      commission: 1,
      reason: "campaign_percent",
      override: null,
    },
    {
      name: "JPY flat",
      input: base({
        amount: 9_800,
        currency: "jpy",
        campaignCommission: { type: "flat", amount: 1_000, currency: "jpy" },
      }),
      commission: 1_000,
      reason: "flat",
      override: null,
    },
    {
      name: "huge amount",
      input: base({ amount: 900_719_925_474_099, codeCommissionBps: 7 }),
      commission: 630_503_947_832,
      reason: "code_percent",
      override: null,
    },
    {
      name: "sub-affiliate override: parent earns override bps of the same amount",
      input: base({ amount: 12_345, parentAffiliateId: "aff_parent", overrideBps: 1000 }),
      commission: 2469,
      reason: "campaign_percent",
      override: { affiliateId: "aff_parent", amount: 1235 },
    },
    {
      name: "override is on the amount, not on the child's commission, with a code rate",
      input: base({
        amount: 10_000,
        codeCommissionBps: 3000,
        parentAffiliateId: "aff_parent",
        overrideBps: 500,
      }),
      commission: 3000,
      reason: "code_percent",
      override: { affiliateId: "aff_parent", amount: 500 },
    },
    {
      name: "override with a flat campaign",
      input: base({
        campaignCommission: { type: "flat", amount: 700, currency: "usd" },
        parentAffiliateId: "aff_parent",
        overrideBps: 250,
      }),
      commission: 700,
      reason: "flat",
      override: { affiliateId: "aff_parent", amount: 250 },
    },
    {
      name: "override bps 0: none",
      input: base({ parentAffiliateId: "aff_parent", overrideBps: 0 }),
      commission: 2000,
      reason: "campaign_percent",
      override: null,
    },
    {
      name: "no parent: no override",
      input: base({ overrideBps: 1000 }),
      commission: 2000,
      reason: "campaign_percent",
      override: null,
    },
    {
      name: "outside the recurring window: nothing for the affiliate or the parent",
      input: base({
        recurring: renewalOutside,
        parentAffiliateId: "aff_parent",
        overrideBps: 1000,
      }),
      commission: 0,
      reason: "outside_recurring_window",
      override: null,
    },
    {
      name: "outside the window wins over the $0 and currency reasons",
      input: base({
        amount: 0,
        currency: "eur",
        campaignCommission: { type: "flat", amount: 1, currency: "usd" },
        recurring: renewalOutside,
      }),
      commission: 0,
      reason: "outside_recurring_window",
      override: null,
    },
    {
      name: "renewal inside the window",
      input: base({
        recurring: {
          recurringMonths: 3,
          anchor: "2025-01-31T00:00:00Z",
          periodStart: "2025-03-31T00:00:00Z",
        },
      }),
      commission: 2000,
      reason: "campaign_percent",
      override: null,
    },
  ];

  it.each(table)("$name", (row) => {
    const r = computeCommission(row.input);
    expect(r.commission.amount).toBe(row.commission);
    expect(r.commission.reason).toBe(row.reason);
    expect(r.commission.affiliateId).toBe(row.input.affiliateId);
    expect(
      r.override ? { affiliateId: r.override.affiliateId, amount: r.override.amount } : null,
    ).toEqual(row.override);
    // Terms reproduce the amounts (the clawback path relies on it).
    expect(commissionFor(r.terms, row.input.amount)).toEqual({
      commission: row.commission,
      override: row.override?.amount ?? 0,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe("computeCommission: details", () => {
  it("stores lowercase currency and the rule in the terms", () => {
    const r = computeCommission(
      base({ currency: "EUR", codeCommissionBps: 1500, parentAffiliateId: "p", overrideBps: 300 }),
    );
    expect(r.terms).toEqual({
      currency: "eur",
      affiliateId: "aff_1",
      rule: { type: "percent", bps: 1500, source: "code" },
      override: { affiliateId: "p", bps: 300 },
    });
    expect(r.overrideReason).toBe("parent_override");
  });

  it.each([
    [base({ overrideBps: 1000 }), "no_parent"],
    [base({ parentAffiliateId: "p", overrideBps: 0 }), "zero_bps"],
    [
      base({
        parentAffiliateId: "p",
        overrideBps: 1000,
        recurring: {
          recurringMonths: 0,
          anchor: "2025-01-01T00:00:00Z",
          periodStart: "2025-06-01T00:00:00Z",
        },
      }),
      "outside_recurring_window",
    ],
  ] as const)("explains a missing override (%#: %s)", (input, reason) => {
    const r = computeCommission(input);
    expect(r.override).toBeNull();
    expect(r.overrideReason).toBe(reason);
  });

  it("flat terms pay the flat amount on any non-zero remainder and 0 on nothing", () => {
    const { terms } = computeCommission(
      base({ campaignCommission: { type: "flat", amount: 500, currency: "usd" } }),
    );
    expect(commissionFor(terms, 10_000).commission).toBe(500);
    expect(commissionFor(terms, 1).commission).toBe(500);
    expect(commissionFor(terms, 0).commission).toBe(0);
  });

  it.each([
    ["negative amount", base({ amount: -1 })],
    ["fractional amount", base({ amount: 10.5 })],
    ["bad currency", base({ currency: "dollars" })],
    ["campaign bps over 100%", base({ campaignCommission: { type: "percent", bps: 10_001 } })],
    ["negative code rate", base({ codeCommissionBps: -5 })],
    ["negative override", base({ overrideBps: -5 })],
    ["negative flat", base({ campaignCommission: { type: "flat", amount: -5, currency: "usd" } })],
  ])("rejects %s", (_name, input) => {
    expect(() => computeCommission(input)).toThrow(RangeError);
  });
});

describe("buildDecisionRecord", () => {
  it("merges attribution and commission into one JSON record", () => {
    const decision = decideAttribution({
      couponCandidate: {
        affiliateCouponId: "ac_1",
        code: "EURO",
        affiliateId: "aff_1",
        campaignId: "cmp_1",
        campaignCouponId: "cc_1",
        overridesClickAttribution: true,
      },
    });
    const result = computeCommission(
      base({ currency: "eur", campaignCommission: { type: "flat", amount: 500, currency: "usd" } }),
    );
    const record = buildDecisionRecord(decision, result);
    expect(record.rule).toBe("coupon_only");
    expect(record.commission).toEqual({
      amount: 0,
      currency: "eur",
      reason: "flat_currency_mismatch",
      rule: { type: "none" },
      recurringEligible: true,
      override: null,
      overrideReason: "no_parent",
    });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it("has a null commission when nobody was credited", () => {
    expect(buildDecisionRecord(decideAttribution({}), null).commission).toBeNull();
  });

  it("refuses a commission computed for someone other than the winner", () => {
    expect(() => buildDecisionRecord(decideAttribution({}), computeCommission(base()))).toThrow();
  });
});
