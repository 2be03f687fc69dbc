import { describe, expect, it } from "vitest";
import {
  type LedgerAdjustmentInput,
  type LedgerEntry,
  type PostedEntry,
  computeLedgerAdjustments,
  refundedShareOfConversion,
  statusFor,
} from "~/domain/clawback";
import { type CommissionTerms, computeCommission } from "~/domain/commission";

/** 20% to aff_1, 10% override to aff_parent, usd. */
const percentTerms: CommissionTerms = {
  currency: "usd",
  affiliateId: "aff_1",
  rule: { type: "percent", bps: 2000, source: "campaign" },
  override: { affiliateId: "aff_parent", bps: 1000 },
};
const flatTerms: CommissionTerms = {
  currency: "usd",
  affiliateId: "aff_1",
  rule: { type: "flat", amount: 500 },
  override: null,
};

const input = (over: Partial<LedgerAdjustmentInput> = {}): LedgerAdjustmentInput => ({
  amount: 10_000,
  terms: percentTerms,
  previousRefundedAmount: 0,
  refundedAmount: 0,
  redemptionCounted: false,
  ledger: [],
  ...over,
});

const sum = (entries: readonly PostedEntry[], kinds: readonly string[]) =>
  entries.filter((e) => kinds.includes(e.kind)).reduce((a, e) => a + e.amount, 0);

/** Apply a sequence of cumulative refund figures like a caller would (store max, append entries). */
function replay(
  amount: number,
  terms: CommissionTerms | null,
  figures: readonly number[],
  redemptionCounted = true,
) {
  let stored = 0;
  const ledger: LedgerEntry[] = [];
  let counter = redemptionCounted ? 1 : 0;
  let refundedEvents = 0;
  const statuses: string[] = [];
  const first = computeLedgerAdjustments({
    amount,
    terms,
    previousRefundedAmount: 0,
    refundedAmount: 0,
    redemptionCounted,
    ledger,
  });
  ledger.push(...first.entries);
  for (const figure of figures) {
    const r = computeLedgerAdjustments({
      amount,
      terms,
      previousRefundedAmount: stored,
      refundedAmount: figure,
      redemptionCounted,
      ledger,
    });
    ledger.push(...r.entries);
    stored = r.refundedAmount;
    counter += r.redemptionDelta;
    if (r.becameRefunded) refundedEvents++;
    statuses.push(r.status);
  }
  return { stored, ledger, counter, refundedEvents, statuses };
}

describe("statusFor", () => {
  it.each([
    [10_000, 0, "approved"],
    [10_000, 1, "partially_refunded"],
    [10_000, 9_999, "partially_refunded"],
    [10_000, 10_000, "refunded"],
    [10_000, 20_000, "refunded"],
    [0, 0, "approved"],
    [0, 5, "approved"],
  ] as const)("amount %i refunded %i -> %s", (amount, refunded, status) => {
    expect(statusFor(amount, refunded)).toBe(status);
  });
});

describe("computeLedgerAdjustments: scenario table", () => {
  interface Row {
    name: string;
    input: LedgerAdjustmentInput;
    entries: Array<Pick<LedgerEntry, "kind" | "affiliateId" | "amount">>;
    status: "approved" | "partially_refunded" | "refunded";
    refundedAmount: number;
    redemptionDelta: 0 | -1;
  }
  const posted: PostedEntry[] = [
    { kind: "commission", amount: 2000 },
    { kind: "override", amount: 1000 },
  ];
  const table: Row[] = [
    {
      name: "new conversion: posts the original commission and override",
      input: input(),
      entries: [
        { kind: "commission", affiliateId: "aff_1", amount: 2000 },
        { kind: "override", affiliateId: "aff_parent", amount: 1000 },
      ],
      status: "approved",
      refundedAmount: 0,
      redemptionDelta: 0,
    },
    {
      name: "recorded again with nothing new: no entries (idempotent)",
      input: input({ ledger: posted }),
      entries: [],
      status: "approved",
      refundedAmount: 0,
      redemptionDelta: 0,
    },
    {
      name: "partial refund of 25%",
      input: input({ ledger: posted, refundedAmount: 2_500, redemptionCounted: true }),
      entries: [
        { kind: "clawback", affiliateId: "aff_1", amount: -500 },
        { kind: "override_clawback", affiliateId: "aff_parent", amount: -250 },
      ],
      status: "partially_refunded",
      refundedAmount: 2_500,
      redemptionDelta: 0,
    },
    {
      name: "full refund after the 25% one: the rest is clawed back, the redemption released",
      input: input({
        ledger: [
          ...posted,
          { kind: "clawback", amount: -500 },
          { kind: "override_clawback", amount: -250 },
        ],
        previousRefundedAmount: 2_500,
        refundedAmount: 10_000,
        redemptionCounted: true,
      }),
      entries: [
        { kind: "clawback", affiliateId: "aff_1", amount: -1_500 },
        { kind: "override_clawback", affiliateId: "aff_parent", amount: -750 },
      ],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: -1,
    },
    {
      name: "duplicate full refund: nothing more, and no second -1",
      input: input({
        ledger: [
          ...posted,
          { kind: "clawback", amount: -2_000 },
          { kind: "override_clawback", amount: -1_000 },
        ],
        previousRefundedAmount: 10_000,
        refundedAmount: 10_000,
        redemptionCounted: true,
      }),
      entries: [],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: 0,
    },
    {
      name: "an older, smaller figure after a larger one changes nothing",
      input: input({
        ledger: [
          ...posted,
          { kind: "clawback", amount: -1_200 },
          { kind: "override_clawback", amount: -600 },
        ],
        previousRefundedAmount: 6_000,
        refundedAmount: 2_500,
      }),
      entries: [],
      status: "partially_refunded",
      refundedAmount: 6_000,
      redemptionDelta: 0,
    },
    {
      name: "refund that arrived before the conversion: commission and clawback posted together",
      input: input({ refundedAmount: 10_000, redemptionCounted: true }),
      entries: [
        { kind: "commission", affiliateId: "aff_1", amount: 2000 },
        { kind: "override", affiliateId: "aff_parent", amount: 1000 },
        { kind: "clawback", affiliateId: "aff_1", amount: -2000 },
        { kind: "override_clawback", affiliateId: "aff_parent", amount: -1000 },
      ],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: -1,
    },
    {
      name: "refunded more than the conversion (e.g. tax passed raw): capped",
      input: input({ ledger: posted, refundedAmount: 11_000 }),
      entries: [
        { kind: "clawback", affiliateId: "aff_1", amount: -2000 },
        { kind: "override_clawback", affiliateId: "aff_parent", amount: -1000 },
      ],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: 0,
    },
    {
      name: "half-up on the unrefunded amount: 20% of 9 995 = 1 999 (clawback 1)",
      input: input({ ledger: posted, refundedAmount: 5 }),
      entries: [
        { kind: "clawback", affiliateId: "aff_1", amount: -1 },
        // override: 10% of 9 995 = 999.5 -> 1 000, nothing to claw back yet
      ],
      status: "partially_refunded",
      refundedAmount: 5,
      redemptionDelta: 0,
    },
    {
      name: "flat commission kept in full on a partial refund",
      input: input({
        terms: flatTerms,
        ledger: [{ kind: "commission", amount: 500 }],
        refundedAmount: 9_999,
      }),
      entries: [],
      status: "partially_refunded",
      refundedAmount: 9_999,
      redemptionDelta: 0,
    },
    {
      name: "flat commission clawed back in full on a full refund",
      input: input({
        terms: flatTerms,
        ledger: [{ kind: "commission", amount: 500 }],
        previousRefundedAmount: 9_999,
        refundedAmount: 10_000,
        redemptionCounted: true,
      }),
      entries: [{ kind: "clawback", affiliateId: "aff_1", amount: -500 }],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: -1,
    },
    {
      name: "$0 conversion: nothing to post, never refunded, redemption kept",
      input: input({ amount: 0, refundedAmount: 0, redemptionCounted: true }),
      entries: [],
      status: "approved",
      refundedAmount: 0,
      redemptionDelta: 0,
    },
    {
      name: "$0 conversion with a (bogus) refund figure: still approved, redemption kept",
      input: input({ amount: 0, refundedAmount: 500, redemptionCounted: true }),
      entries: [],
      status: "approved",
      refundedAmount: 0,
      redemptionDelta: 0,
    },
    {
      name: "nobody credited, code counted: full refund releases the redemption, no entries",
      input: input({ terms: null, refundedAmount: 10_000, redemptionCounted: true }),
      entries: [],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: -1,
    },
    {
      name: "full refund of a conversion that counted no redemption: delta 0",
      input: input({ ledger: posted, refundedAmount: 10_000, redemptionCounted: false }),
      entries: [
        { kind: "clawback", affiliateId: "aff_1", amount: -2000 },
        { kind: "override_clawback", affiliateId: "aff_parent", amount: -1000 },
      ],
      status: "refunded",
      refundedAmount: 10_000,
      redemptionDelta: 0,
    },
    {
      name: "JPY full refund",
      input: input({
        amount: 9_800,
        terms: {
          currency: "jpy",
          affiliateId: "aff_jp",
          rule: { type: "percent", bps: 1250, source: "code" },
          override: null,
        },
        ledger: [{ kind: "commission", amount: 1_225 }],
        refundedAmount: 9_800,
      }),
      entries: [{ kind: "clawback", affiliateId: "aff_jp", amount: -1_225 }],
      status: "refunded",
      refundedAmount: 9_800,
      redemptionDelta: 0,
    },
  ];

  it.each(table)("$name", (row) => {
    const r = computeLedgerAdjustments(row.input);
    expect(
      r.entries.map(({ kind, affiliateId, amount }) => ({ kind, affiliateId, amount })),
    ).toEqual(row.entries);
    expect(r.status).toBe(row.status);
    expect(r.refundedAmount).toBe(row.refundedAmount);
    expect(r.redemptionDelta).toBe(row.redemptionDelta);
    for (const e of r.entries) {
      expect(e.amount).not.toBe(0);
      expect(e.currency).toBe(row.input.terms?.currency);
    }
    // After appending the entries the nets equal the target and a second call posts nothing.
    const ledger = [...row.input.ledger, ...r.entries];
    expect(sum(ledger, ["commission", "clawback"])).toBe(r.target.commission);
    expect(sum(ledger, ["override", "override_clawback"])).toBe(r.target.override);
    const again = computeLedgerAdjustments({
      ...row.input,
      ledger,
      previousRefundedAmount: r.refundedAmount,
    });
    expect(again.entries).toEqual([]);
    expect(again.redemptionDelta).toBe(0);
    expect(again.becameRefunded).toBe(false);
  });
});

describe("computeLedgerAdjustments: sequences", () => {
  it("partial then full refund", () => {
    const r = replay(10_000, percentTerms, [3_000, 10_000]);
    expect(r.statuses).toEqual(["partially_refunded", "refunded"]);
    expect(r.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ["commission", 2000],
      ["override", 1000],
      ["clawback", -600],
      ["override_clawback", -300],
      ["clawback", -1400],
      ["override_clawback", -700],
    ]);
    expect(r.counter).toBe(0);
    expect(r.refundedEvents).toBe(1);
  });

  it("duplicates x3 of every figure give the same ledger as single deliveries", () => {
    const once = replay(10_000, percentTerms, [3_000, 10_000]);
    const thrice = replay(10_000, percentTerms, [3_000, 3_000, 3_000, 10_000, 10_000, 10_000]);
    expect(thrice.ledger).toEqual(once.ledger);
    expect(thrice.counter).toBe(0);
    expect(thrice.refundedEvents).toBe(1);
  });

  it("reports the shortfall of an over-clawed (inconsistent) ledger without reversing it", () => {
    const r = computeLedgerAdjustments(
      input({
        ledger: [
          { kind: "commission", amount: 2000 },
          { kind: "clawback", amount: -2000 },
          { kind: "override", amount: 1000 },
        ],
        refundedAmount: 5_000,
      }),
    );
    expect(r.entries).toEqual([
      { kind: "override_clawback", affiliateId: "aff_parent", amount: -500, currency: "usd" },
    ]);
    expect(r.shortfall).toEqual({ commission: 1000, override: 0 });
  });

  it("any order of cumulative figures ends at the same nets, counter and single 'refunded' transition (seeded)", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let round = 0; round < 500; round++) {
      const amount = rand() < 0.1 ? 0 : 1 + Math.floor(rand() * 1_000_000);
      const terms: CommissionTerms =
        rand() < 0.3
          ? {
              currency: "usd",
              affiliateId: "a",
              rule: { type: "flat", amount: 1 + Math.floor(rand() * 5_000) },
              override: null,
            }
          : {
              currency: "usd",
              affiliateId: "a",
              rule: { type: "percent", bps: Math.floor(rand() * 10_001), source: "campaign" },
              override:
                rand() < 0.5 ? { affiliateId: "p", bps: 1 + Math.floor(rand() * 3_000) } : null,
            };
      const figures = Array.from({ length: 1 + Math.floor(rand() * 6) }, () =>
        rand() < 0.3 ? amount : Math.floor(rand() * (amount + 1)),
      );
      const max = Math.max(...figures);
      const shuffled = [...figures, ...figures.filter(() => rand() < 0.5)].sort(() => rand() - 0.5);
      const r = replay(amount, terms, shuffled);
      const unrefunded = amount - Math.min(max, amount);
      const expectedCommission =
        terms.rule.type === "flat"
          ? unrefunded > 0
            ? terms.rule.amount
            : 0
          : terms.rule.type === "percent"
            ? Math.floor((unrefunded * terms.rule.bps + 5_000) / 10_000)
            : 0;
      const expectedOverride = terms.override
        ? Math.floor((unrefunded * terms.override.bps + 5_000) / 10_000)
        : 0;
      expect(sum(r.ledger, ["commission", "clawback"])).toBe(expectedCommission);
      expect(sum(r.ledger, ["override", "override_clawback"])).toBe(expectedOverride);
      const full = amount > 0 && max >= amount;
      expect(r.counter).toBe(full ? 0 : 1);
      expect(r.refundedEvents).toBe(full ? 1 : 0);
      expect(r.stored).toBe(amount === 0 ? 0 : Math.min(max, amount));
      // Clawbacks are always negative, originals positive.
      for (const e of r.ledger) {
        if (e.kind === "clawback" || e.kind === "override_clawback")
          expect(e.amount).toBeLessThan(0);
        else expect(e.amount).toBeGreaterThan(0);
      }
    }
  });

  it("works from computeCommission's terms end to end (override on a coupon sale, JPY)", () => {
    const result = computeCommission({
      amount: 12_345,
      currency: "jpy",
      affiliateId: "child",
      campaignCommission: { type: "percent", bps: 2000 },
      codeCommissionBps: 3333,
      overrideBps: 1000,
      parentAffiliateId: "parent",
      recurring: { recurringMonths: null, anchor: null, periodStart: "2025-01-01T00:00:00Z" },
    });
    const r = replay(12_345, result.terms, [345, 12_345]);
    expect(r.ledger.map((e) => [e.kind, e.affiliateId, e.amount, e.currency])).toEqual([
      ["commission", "child", 4115, "jpy"], // 4114.5885 -> 4115
      ["override", "parent", 1235, "jpy"], // 1234.5 -> 1235
      ["clawback", "child", -115, "jpy"], // 33.33% of 12 000 = 3999.6 -> 4000
      ["override_clawback", "parent", -35, "jpy"], // 10% of 12 000 = 1200
      ["clawback", "child", -4000, "jpy"],
      ["override_clawback", "parent", -1200, "jpy"],
    ]);
    expect(r.ledger.some((e) => e.affiliateId !== "child" && e.affiliateId !== "parent")).toBe(
      false,
    );
  });
});

describe("refundedShareOfConversion (charge includes tax)", () => {
  it.each([
    [10_000, 11_000, 0, 0],
    [10_000, 11_000, 5_500, 5_000],
    [10_000, 11_000, 10_999, 9_999],
    [10_000, 11_000, 11_000, 10_000],
    [10_000, 11_000, 12_000, 10_000],
    [10_000, 10_000, 2_500, 2_500],
    [0, 0, 0, 0],
    [0, 500, 500, 0],
    [999, 1_000, 999, 998],
  ])(
    "amount %i, charge %i, refunded %i -> %i",
    (amount, chargeAmount, amountRefunded, expected) => {
      expect(refundedShareOfConversion({ amount, chargeAmount, amountRefunded })).toBe(expected);
    },
  );

  it("equals the amount only when the whole charge is refunded", () => {
    const violations: string[] = [];
    for (let charge = 1; charge < 300; charge++) {
      for (let amount = 1; amount <= charge; amount += 7) {
        for (let refunded = 0; refunded < charge; refunded++) {
          if (
            refundedShareOfConversion({ amount, chargeAmount: charge, amountRefunded: refunded }) >=
            amount
          )
            violations.push(`${amount}/${charge}/${refunded}`);
        }
        if (
          refundedShareOfConversion({ amount, chargeAmount: charge, amountRefunded: charge }) !==
          amount
        )
          violations.push(`${amount}/${charge}/full`);
      }
    }
    expect(violations).toEqual([]);
  });
});

describe("computeLedgerAdjustments: input validation", () => {
  it.each([
    ["negative amount", input({ amount: -1 })],
    ["negative refund", input({ refundedAmount: -1 })],
    ["fractional previous", input({ previousRefundedAmount: 0.5 })],
    ["non-integer ledger amount", input({ ledger: [{ kind: "commission", amount: 1.5 }] })],
  ])("rejects %s", (_name, bad) => {
    expect(() => computeLedgerAdjustments(bad)).toThrow(RangeError);
  });
});
