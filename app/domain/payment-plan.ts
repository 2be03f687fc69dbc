/**
 * The payment plan (pure): what one Stripe payment P of a customer does, decided from P, the
 * customer's payments (the history, payment-history.ts), each payment's own signals and the
 * customer's recorded binding. Three steps, each a function of what the previous one returned and
 * of the few rows the service reads in between (the bound affiliate's status, the winner's
 * campaign terms and parent, a code's text):
 * 1. `bindPayment`: the customer's binding. The EARLIEST payment up to P with a creditable signal
 *    binds the customer (permanently); a new binding is a new referral row.
 * 2. `decidePayment`: the attribution decision for P (decideAttribution, attribution.ts).
 * 3. `planPayment`: the recurring anchor, the commission and override, the decision record, the
 *    settlement (ledger entries; a refund that arrived first is applied at once), the redemption
 *    counter deltas, the conversion row, the customer's payments to store and the payments to
 *    reconsider because the new binding now credits them ("fix-ups").
 * The ledger writer (app/services/attribution/ledger-writer.server.ts) applies the plan.
 */
import type { AffiliateStatus, ReferralRow } from "~/db/schema";
import {
  type AttributionDecision,
  type ClickCandidate,
  type CouponCandidate,
  decideAttribution,
} from "./attribution";
import {
  buildDecisionRecord,
  type CampaignCommission,
  type CommissionResult,
  computeCommission,
  type ConversionDecisionRecord,
} from "./commission";
import { comparePayments, type PaymentRecord } from "./payment-history";
import {
  type CounterDelta,
  planSettlement,
  redemptionRelease,
  type RefundFigure,
  type Settlement,
} from "./settlement";

/** A payment's own signals: its click and its code (`alreadyRedeemedByCustomer` from the history). */
export interface PaymentSignals {
  click: ClickCandidate | null;
  coupon: CouponCandidate | null;
}

/** What the plan is computed from (read under the customer's lock). */
export interface PaymentFacts {
  brandId: string;
  /** P as the history knows it. */
  payment: PaymentRecord;
  /** The customer's payments, sorted (comparePayments), P included. */
  history: readonly PaymentRecord[];
  /** Own signals of every payment of the history, by key. */
  signals: ReadonlyMap<string, PaymentSignals>;
  /** The customer's recorded binding (null: none, or P has no customer). */
  referral: ReferralRow | null;
  /** The bound affiliate's status now (null: the affiliate is gone). */
  referralAffiliateStatus: AffiliateStatus | null;
  /** P's payment intent: its own, else the one learned from `invoice_payment.paid`. */
  paymentIntentId: string | null;
  /** A refund that arrived before the conversion. */
  pendingRefund: RefundFigure | null;
  /** The customer's `metadata.rekomi_ref` and how far its payments were listed from Stripe. */
  customer: { clickRef: string | null; scannedThrough: number | null };
  /** Id and time for a new referral row. */
  newReferral: { id: string; now: Date };
}

export interface Binding {
  /** The binding that applies to P: recorded, new, or none. */
  referral: ReferralRow | null;
  /** The new referral row (written with the plan), when P's history binds the customer now. */
  created: ReferralRow | null;
  /** The payment that made the new binding. */
  boundBy: PaymentRecord | null;
  /** The bound affiliate's status: known, or undefined (a new binding: read it when needed). */
  affiliateStatus: AffiliateStatus | null | undefined;
}

/** The credited campaign's terms and the parent that may earn an override (one read). */
export interface CommissionContext {
  terms: { commission: CampaignCommission; overrideBps: number; recurringMonths: number | null };
  parentAffiliateId: string | null;
}

/** The row of a new conversion (columns of `conversions`). */
export interface ConversionValues {
  [column: string]: unknown;
  brand_id: string;
}

/** The customer's `stripe_customers` row to store. */
export interface CustomerWrite {
  brandId: string;
  customerId: string;
  payments: PaymentRecord[];
  clickRef: string | null;
  scannedThrough: number | null;
}

export interface PaymentPlan {
  binding: Binding;
  decision: AttributionDecision;
  /** Null when P has no conversion (nobody credited, no redemption counted). */
  record: ConversionDecisionRecord | null;
  commission: CommissionResult | null;
  settlement: Settlement | null;
  /** The new referral row (its anchor set when known). */
  referral: ReferralRow | null;
  /** The recorded referral's recurring anchor, once known. */
  referralAnchor: { referralId: string; anchorAt: Date } | null;
  conversion: ConversionValues | null;
  counters: CounterDelta[];
  customer: CustomerWrite | null;
  /** Payments processed without a conversion that the new binding now credits. */
  reconsider: PaymentRecord[];
}

const toDate = (seconds: number) => new Date(seconds * 1000);
const toSeconds = (d: Date | string) =>
  Math.floor((d instanceof Date ? d : new Date(d)).getTime() / 1000);

export function isBefore(a: PaymentRecord, b: Pick<PaymentRecord, "at" | "key">): boolean {
  return comparePayments(a, b) < 0;
}

const boundKey = (referral: ReferralRow) => ({
  at: toSeconds(referral.bound_at),
  key: referral.bound_payment_key,
});

const NO_SIGNALS: PaymentSignals = { click: null, coupon: null };
const signalsOf = (f: PaymentFacts, r: PaymentRecord) => f.signals.get(r.key) ?? NO_SIGNALS;

function ownDecision(f: PaymentFacts, r: PaymentRecord): AttributionDecision {
  const { click, coupon } = signalsOf(f, r);
  return decideAttribution({ clickCandidate: click, couponCandidate: coupon });
}

/** Step 1: the customer's binding for P (recorded, or made now by its earliest creditable payment). */
export function bindPayment(f: PaymentFacts): Binding {
  const p = f.payment;
  const none = { created: null, boundBy: null, affiliateStatus: f.referralAffiliateStatus };
  if (f.referral || !p.customerId) return { referral: f.referral, ...none };
  for (const r of f.history) {
    if (comparePayments(r, p) > 0) break;
    const w = ownDecision(f, r).winner;
    if (!w) continue;
    const created: ReferralRow = {
      id: f.newReferral.id,
      brand_id: f.brandId,
      stripe_customer_id: p.customerId,
      affiliate_id: w.affiliateId,
      campaign_id: w.campaignId,
      method: w.method,
      affiliate_coupon_id: w.affiliateCouponId,
      click_id: w.clickId,
      commission_rate_bps: w.commissionRateBps,
      bound_payment_key: r.key,
      bound_at: toDate(r.at),
      // Bound by P itself: if paid, its period anchors the recurring window (else set once known).
      anchor_at: r.key === p.key && p.amount > 0 ? toDate(p.periodStart) : null,
      created_at: f.newReferral.now,
    };
    return { referral: created, created, boundBy: r, affiliateStatus: undefined };
  }
  return { referral: null, ...none };
}

/** Whether step 2 needs the bound affiliate as an `ExistingReferral` (P comes after the binding). */
export function needsExistingReferral(
  f: PaymentFacts,
  b: Binding,
): b is Binding & {
  referral: ReferralRow;
} {
  const r = b.referral;
  return r !== null && r.bound_payment_key !== f.payment.key && !isBefore(f.payment, boundKey(r));
}

/** Step 2: the attribution decision for P. */
export function decidePayment(
  f: PaymentFacts,
  b: Binding,
  existing: Parameters<typeof decideAttribution>[0]["existingReferral"],
): AttributionDecision {
  const own = signalsOf(f, f.payment);
  if (b.referral && b.referral.bound_payment_key === f.payment.key)
    return decideAttribution({ clickCandidate: own.click, couponCandidate: own.coupon });
  if (needsExistingReferral(f, b))
    return decideAttribution({
      existingReferral: existing,
      clickCandidate: own.click,
      couponCandidate: own.coupon,
    });
  // Before the binding (or no binding): the payment's own signals could not credit anyone when
  // the binding was made; if eligibility changed since, they still must not re-bind.
  const mark = <T extends { ineligibleReason?: string | null }>(x: T | null): T | null =>
    x && b.referral ? { ...x, ineligibleReason: x.ineligibleReason ?? "precedes_binding" } : x;
  return decideAttribution({ clickCandidate: mark(own.click), couponCandidate: mark(own.coupon) });
}

/** The affiliate code of P's conversion: the one used on P, else the winner's. */
export function conversionCouponId(f: PaymentFacts, d: AttributionDecision): string | null {
  return signalsOf(f, f.payment).coupon?.affiliateCouponId ?? d.winner?.affiliateCouponId ?? null;
}

/** Whether step 3 must be given the code's text (the code was not used on P itself). */
export function needsCouponCode(f: PaymentFacts, d: AttributionDecision): string | null {
  return signalsOf(f, f.payment).coupon ? null : conversionCouponId(f, d);
}

/**
 * The recurring anchor (the period start of the earliest paid payment at or after the binding),
 * whether P is that payment, and whether it is newly known.
 */
function recurringAnchor(f: PaymentFacts, b: Binding) {
  const referral = b.referral!;
  if (referral.anchor_at) {
    const anchoredByP = b.created !== null && b.created.anchor_at !== null;
    return { anchor: toSeconds(referral.anchor_at), anchorIsP: anchoredByP, learned: null };
  }
  const bound = boundKey(referral);
  const first = f.history.find(
    (r) => !isBefore(r, bound) && comparePayments(r, f.payment) <= 0 && r.amount > 0,
  );
  if (!first) return { anchor: null, anchorIsP: false, learned: null };
  return { anchor: first.periodStart, anchorIsP: first.key === f.payment.key, learned: first };
}

function commissionOf(
  f: PaymentFacts,
  d: AttributionDecision,
  context: CommissionContext | null,
  anchor: { anchor: number | null; anchorIsP: boolean },
): CommissionResult | null {
  const winner = d.winner;
  if (!winner || !context) return null;
  const p = f.payment;
  return computeCommission({
    amount: p.amount,
    currency: p.currency,
    affiliateId: winner.affiliateId,
    campaignCommission: context.terms.commission,
    codeCommissionBps: winner.commissionRateBps,
    overrideBps: context.terms.overrideBps,
    parentAffiliateId: context.parentAffiliateId,
    recurring: {
      recurringMonths: context.terms.recurringMonths,
      anchor: anchor.anchor === null || anchor.anchorIsP ? null : toDate(anchor.anchor),
      periodStart: toDate(p.periodStart),
    },
  });
}

function customerWrite(f: PaymentFacts, payments: PaymentRecord[]): CustomerWrite | null {
  const customerId = f.payment.customerId;
  if (!customerId) return null;
  return { brandId: f.brandId, customerId, payments, ...f.customer };
}

/** The row of P's conversion. */
function conversionValues(
  f: PaymentFacts,
  decision: AttributionDecision,
  x: {
    record: ConversionDecisionRecord;
    settlement: Settlement;
    terms: CommissionResult["terms"] | null;
    couponId: string | null;
    couponCode: string | null;
    /** The binding that applies to P (credited unless the winner is S2S). */
    referralId: string | null;
  },
): ConversionValues {
  const p = f.payment;
  const own = signalsOf(f, p);
  const winner = decision.winner;
  const { record, settlement, terms, couponId } = x;
  return {
    brand_id: f.brandId,
    campaign_id: winner?.campaignId ?? null,
    affiliate_id: winner?.affiliateId ?? null,
    referral_id: winner && x.referralId && winner.method !== "s2s" ? x.referralId : null,
    attribution_method: winner?.method ?? (own.coupon ? "coupon" : "link"),
    affiliate_coupon_id: couponId,
    coupon_code: own.coupon?.code ?? (couponId ? x.couponCode : null),
    click_id: winner?.clickId ?? own.click?.clickId ?? null,
    amount: p.amount,
    currency: p.currency,
    commission_amount: settlement.commissionAmount,
    override_amount: settlement.overrideAmount,
    refunded_amount: settlement.result.refundedAmount,
    status: settlement.result.status,
    stripe_customer_id: p.customerId,
    stripe_invoice_id: p.kind === "invoice" ? p.key : null,
    stripe_subscription_id: p.subscriptionId,
    stripe_checkout_session_id: p.sessionId,
    stripe_payment_intent_id: p.paymentIntentId ?? f.paymentIntentId,
    stripe_charge_id: f.pendingRefund?.chargeId ?? null,
    decision: JSON.stringify(record),
    terms: JSON.stringify(terms),
    redemption_counted: decision.countsRedemptionOn !== null,
    period_start: toDate(p.periodStart),
    occurred_at: toDate(p.at),
  };
}

/** Step 3: everything P writes. */
export function planPayment(
  f: PaymentFacts,
  b: Binding,
  decision: AttributionDecision,
  lookups: { commission: CommissionContext | null; couponCode: string | null },
): PaymentPlan {
  const p = f.payment;
  const payments = f.history.map((r) => (r.key === p.key ? { ...r, processed: true } : r));
  const winner = decision.winner;
  const plan: PaymentPlan = {
    binding: b,
    decision,
    record: null,
    commission: null,
    settlement: null,
    referral: b.created,
    referralAnchor: null,
    conversion: null,
    counters: [],
    customer: customerWrite(f, payments),
    reconsider: [],
  };
  if (!winner && !decision.countsRedemptionOn) return plan;

  let anchor = { anchor: null as number | null, anchorIsP: false };
  if (winner && b.referral) {
    const a = recurringAnchor(f, b);
    anchor = a;
    if (a.learned) {
      const anchorAt = toDate(a.learned.periodStart);
      if (b.created) plan.referral = { ...b.created, anchor_at: anchorAt };
      else plan.referralAnchor = { referralId: b.referral.id, anchorAt };
    }
  }
  const commission = commissionOf(f, decision, lookups.commission, anchor);
  const terms = commission ? commission.terms : null;
  const redemptionCounted = decision.countsRedemptionOn !== null;
  const settlement = planSettlement(
    { amount: p.amount, terms, refundedAmount: 0, redemptionCounted },
    f.pendingRefund,
    [],
  );
  const couponId = conversionCouponId(f, decision);
  const record = buildDecisionRecord(decision, commission);
  plan.record = record;
  plan.commission = commission;
  plan.settlement = settlement;
  plan.conversion = conversionValues(f, decision, {
    record,
    settlement,
    terms,
    couponId,
    couponCode: lookups.couponCode,
    referralId: b.referral?.id ?? null,
  });

  plan.counters = [
    ...(decision.countsRedemptionOn ? [{ couponId: decision.countsRedemptionOn, delta: 1 }] : []),
    ...redemptionRelease({ affiliateCouponId: couponId, redemptionCounted }, settlement.result),
  ];
  const boundBy = b.boundBy;
  if (boundBy)
    plan.reconsider = payments.filter(
      (r) => r.key !== p.key && r.processed && isBefore(boundBy, r),
    );
  return plan;
}
