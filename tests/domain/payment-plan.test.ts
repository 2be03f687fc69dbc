/**
 * The payment plan (app/domain/payment-plan.ts), as a scenario table: from a payment, its
 * customer's history, the payments' signals and the recorded binding, the three pure steps give
 * the binding, the decision, the commission and override, the ledger entries, the counter deltas
 * and the payments to reconsider. Exact amounts, minor units.
 */
import { describe, expect, it } from "vitest";
import type { ReferralRow } from "~/db/schema";
import type { ClickCandidate, CouponCandidate } from "~/domain/attribution";
import type { PaymentRecord } from "~/domain/payment-history";
import {
  bindPayment,
  type CommissionContext,
  decidePayment,
  needsCouponCode,
  needsExistingReferral,
  type PaymentFacts,
  type PaymentSignals,
  planPayment,
} from "~/domain/payment-plan";

const DAY = 86_400;
const T0 = Date.UTC(2026, 0, 1) / 1000;

const pay = (key: string, day: number, over: Partial<PaymentRecord> = {}): PaymentRecord => ({
  key,
  kind: "invoice",
  customerId: "cus_1",
  at: T0 + day * DAY,
  periodStart: T0 + day * DAY,
  amount: 10_000,
  currency: "usd",
  billingReason: "subscription_cycle",
  subscriptionId: "sub_1",
  sessionId: null,
  paymentIntentId: null,
  promotionCodeIds: [],
  affiliateCouponHints: [],
  clickRef: null,
  processed: false,
  ...over,
});

const click = (over: Partial<ClickCandidate> = {}): ClickCandidate => ({
  clickId: "clk_1",
  affiliateId: "aff_click",
  campaignId: "cmp_1",
  clickedAt: new Date((T0 - DAY) * 1000),
  ineligibleReason: null,
  ...over,
});

const coupon = (over: Partial<CouponCandidate> = {}): CouponCandidate => ({
  affiliateCouponId: "ac_1",
  code: "SAVE10",
  affiliateId: "aff_code",
  campaignId: "cmp_1",
  campaignCouponId: "cc_1",
  overridesClickAttribution: true,
  commissionRateBps: null,
  alreadyRedeemedByCustomer: false,
  ineligibleReason: null,
  ...over,
});

const percent = (
  bps: number,
  over: Partial<CommissionContext["terms"]> = {},
  parent: string | null = null,
): CommissionContext => ({
  terms: {
    commission: { type: "percent", bps },
    overrideBps: 1000,
    recurringMonths: null,
    ...over,
  },
  parentAffiliateId: parent,
});

const recorded = (over: Partial<ReferralRow> = {}): ReferralRow => ({
  id: "ref_old",
  brand_id: "brand_1",
  stripe_customer_id: "cus_1",
  affiliate_id: "aff_click",
  campaign_id: "cmp_1",
  method: "link",
  affiliate_coupon_id: null,
  click_id: "clk_1",
  commission_rate_bps: null,
  bound_payment_key: "in_1",
  bound_at: new Date(T0 * 1000),
  anchor_at: new Date(T0 * 1000),
  created_at: new Date(T0 * 1000),
  ...over,
});

interface Row {
  name: string;
  payment: PaymentRecord;
  history?: PaymentRecord[];
  signals?: Record<string, Partial<PaymentSignals>>;
  referral?: ReferralRow;
  context?: CommissionContext | null;
  couponCode?: string | null;
  pendingRefund?: { chargeId: string; chargeAmount: number; amountRefunded: number };
  want: {
    bindsBy: string | null;
    winner: string | null;
    conversion: boolean;
    commission: number;
    override: number;
    entries: [string, string, number][];
    counters: { couponId: string; delta: number }[];
    status?: string;
    reconsider?: string[];
    anchorLearned?: boolean;
  };
}

const first = pay("in_1", 0, { billingReason: "subscription_create" });

const table: Row[] = [
  {
    name: "no signal, no binding: no conversion (the customer's payments are still stored)",
    payment: first,
    want: {
      bindsBy: null,
      winner: null,
      conversion: false,
      commission: 0,
      override: 0,
      entries: [],
      counters: [],
    },
  },
  {
    name: "a click binds the customer; 20% of 10000",
    payment: first,
    signals: { in_1: { click: click() } },
    context: percent(2000),
    want: {
      bindsBy: "in_1",
      winner: "aff_click",
      conversion: true,
      commission: 2000,
      override: 0,
      entries: [["commission", "aff_click", 2000]],
      counters: [],
    },
  },
  {
    name: "a code wins over the click, counts a redemption; parent override 10% of 10000",
    payment: first,
    signals: { in_1: { click: click(), coupon: coupon() } },
    context: percent(2000, {}, "aff_parent"),
    want: {
      bindsBy: "in_1",
      winner: "aff_code",
      conversion: true,
      commission: 2000,
      override: 1000,
      entries: [
        ["commission", "aff_code", 2000],
        ["override", "aff_parent", 1000],
      ],
      counters: [{ couponId: "ac_1", delta: 1 }],
    },
  },
  {
    name: "the code's own rate (25%) replaces the campaign's",
    payment: first,
    signals: { in_1: { coupon: coupon({ commissionRateBps: 2500 }) } },
    context: percent(2000),
    want: {
      bindsBy: "in_1",
      winner: "aff_code",
      conversion: true,
      commission: 2500,
      override: 0,
      entries: [["commission", "aff_code", 2500]],
      counters: [{ couponId: "ac_1", delta: 1 }],
    },
  },
  {
    name: "a renewal of a bound customer inside the 3-month window earns",
    payment: pay("in_2", 31),
    history: [first, pay("in_2", 31)],
    referral: recorded(),
    context: percent(2000, { recurringMonths: 3 }),
    want: {
      bindsBy: null,
      winner: "aff_click",
      conversion: true,
      commission: 2000,
      override: 0,
      entries: [["commission", "aff_click", 2000]],
      counters: [],
    },
  },
  {
    name: "a renewal outside the 3-month window is credited at 0, no entries",
    payment: pay("in_5", 120),
    history: [first, pay("in_5", 120)],
    referral: recorded(),
    context: percent(2000, { recurringMonths: 3 }),
    want: {
      bindsBy: null,
      winner: "aff_click",
      conversion: true,
      commission: 0,
      override: 0,
      entries: [],
      counters: [],
    },
  },
  {
    name: "a refund that arrived first: fully refunded, clawed back, redemption released",
    payment: first,
    signals: { in_1: { coupon: coupon() } },
    context: percent(2000),
    pendingRefund: { chargeId: "ch_1", chargeAmount: 10_000, amountRefunded: 10_000 },
    want: {
      bindsBy: "in_1",
      winner: "aff_code",
      conversion: true,
      commission: 0,
      override: 0,
      entries: [
        ["commission", "aff_code", 2000],
        ["clawback", "aff_code", -2000],
      ],
      counters: [
        { couponId: "ac_1", delta: 1 },
        { couponId: "ac_1", delta: -1 },
      ],
      status: "refunded",
    },
  },
  {
    name: "an earlier payment binds: a later one processed without a conversion is reconsidered",
    payment: first,
    history: [first, pay("in_2", 31, { processed: true })],
    signals: { in_1: { click: click() } },
    context: percent(1000),
    want: {
      bindsBy: "in_1",
      winner: "aff_click",
      conversion: true,
      commission: 1000,
      override: 0,
      entries: [["commission", "aff_click", 1000]],
      counters: [],
      reconsider: ["in_2"],
    },
  },
  {
    name: "a recorded binding without anchor learns it from its first paid payment",
    payment: pay("in_2", 31),
    history: [first, pay("in_2", 31)],
    referral: recorded({ anchor_at: null }),
    context: percent(2000),
    want: {
      bindsBy: null,
      winner: "aff_click",
      conversion: true,
      commission: 2000,
      override: 0,
      entries: [["commission", "aff_click", 2000]],
      counters: [],
      anchorLearned: true,
    },
  },
];

function facts(row: Row): PaymentFacts {
  const history = row.history ?? [row.payment];
  const signals = new Map<string, PaymentSignals>();
  for (const r of history)
    signals.set(r.key, { click: null, coupon: null, ...row.signals?.[r.key] });
  return {
    brandId: "brand_1",
    payment: history.find((r) => r.key === row.payment.key)!,
    history,
    signals,
    referral: row.referral ?? null,
    referralAffiliateStatus: row.referral ? "approved" : null,
    paymentIntentId: null,
    pendingRefund: row.pendingRefund ?? null,
    customer: { clickRef: null, scannedThrough: null },
    newReferral: { id: "ref_new", now: new Date(T0 * 1000) },
  };
}

describe("planPayment: scenario table", () => {
  it.each(table)("$name", (row) => {
    const f = facts(row);
    const binding = bindPayment(f);
    const existing = needsExistingReferral(f, binding)
      ? {
          referralId: binding.referral.id,
          affiliateId: binding.referral.affiliate_id,
          campaignId: binding.referral.campaign_id,
          method: binding.referral.method,
          boundAt: binding.referral.bound_at,
          affiliateCouponId: binding.referral.affiliate_coupon_id,
          commissionRateBps: binding.referral.commission_rate_bps,
          ineligibleReason: null,
        }
      : null;
    const decision = decidePayment(f, binding, existing);
    expect(needsCouponCode(f, decision)).toBeNull();
    const plan = planPayment(f, binding, decision, {
      commission: row.context ?? null,
      couponCode: row.couponCode ?? null,
    });
    const w = row.want;
    expect(binding.boundBy?.key ?? null).toBe(w.bindsBy);
    expect(decision.winner?.affiliateId ?? null).toBe(w.winner);
    expect(plan.conversion !== null).toBe(w.conversion);
    expect(plan.customer?.payments.find((r) => r.key === row.payment.key)?.processed).toBe(true);
    expect(plan.reconsider.map((r) => r.key)).toEqual(w.reconsider ?? []);
    expect(plan.referralAnchor !== null).toBe(w.anchorLearned ?? false);
    if (!w.conversion) {
      expect(plan.settlement).toBeNull();
      return;
    }
    expect(plan.conversion?.commission_amount).toBe(w.commission);
    expect(plan.conversion?.override_amount).toBe(w.override);
    expect(plan.conversion?.status).toBe(w.status ?? "approved");
    expect(plan.settlement!.result.entries.map((e) => [e.kind, e.affiliateId, e.amount])).toEqual(
      w.entries,
    );
    expect(plan.counters).toEqual(w.counters);
    if (w.bindsBy) {
      expect(plan.referral?.id).toBe("ref_new");
      expect(plan.referral?.bound_payment_key).toBe(w.bindsBy);
    } else expect(plan.referral).toBeNull();
  });
});
