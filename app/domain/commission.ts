/**
 * Commission math for one conversion: the credited affiliate's commission, the parent's
 * sub-affiliate override, and the recurring window. Integer minor units only; no floats anywhere.
 * Pure: no I/O, no clock.
 *
 * - Percent commissions are basis points of the conversion amount rounded half-up to the minor
 *   unit: `floor((amount * bps + 5000) / 10000)` in BigInt, so any safe-integer amount is exact.
 * - A code's own rate (percent bps) replaces the campaign's rule, percent or flat.
 * - A flat commission is paid only when its currency equals the conversion's; otherwise the
 *   commission is 0 with reason `flat_currency_mismatch` (Rekomi never converts currencies).
 * - $0 conversions earn 0 (reason `zero_amount`) but are still conversions.
 * - The parent of the credited affiliate earns `overrideBps` of the same amount (half-up), one tier
 *   only, for click, coupon and S2S sales alike. The override is a percentage of the sale, so it is
 *   paid even when the child's flat commission is 0 for a currency mismatch. No parent or 0 bps ->
 *   no override. The caller passes the parent only if the parent may earn (e.g. is approved).
 * - Outside the recurring window neither the affiliate nor the parent earns anything.
 * - Zero-decimal currencies (jpy) need nothing special: amounts are already minor units.
 */
import type { AttributionDecision, Instant } from "./attribution";
import { toIso } from "./attribution";

export const BPS_DENOMINATOR = 10_000;
/** 100%: no commission, code rate or override may exceed it. */
export const MAX_COMMISSION_BPS = 10_000;

/** The campaign's commission rule (same shape as `Commission` in ./campaign). */
export type CampaignCommission =
  { type: "percent"; bps: number } | { type: "flat"; amount: number; currency: string };

function assertAmount(amount: number, what = "amount"): void {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError(
      `${what} must be a non-negative safe integer of minor units, got ${amount}`,
    );
}

function assertBps(bps: number, what = "bps"): void {
  if (!Number.isSafeInteger(bps) || bps < 0 || bps > MAX_COMMISSION_BPS) {
    throw new RangeError(
      `${what} must be an integer between 0 and ${MAX_COMMISSION_BPS}, got ${bps}`,
    );
  }
}

function normaliseCurrency(currency: string): string {
  const c = currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(c))
    throw new RangeError(`currency must be a 3-letter ISO code, got ${currency}`);
  return c;
}

/**
 * `bps` basis points of `amount` minor units, rounded half-up to the minor unit.
 * percentOf(1, 2000) = 0 (0.2), percentOf(2, 2500) = 1 (0.5 rounds up), percentOf(3, 2500) = 1 (0.75).
 */
export function percentOf(amount: number, bps: number): number {
  assertAmount(amount);
  assertBps(bps);
  const result =
    (BigInt(amount) * BigInt(bps) + BigInt(BPS_DENOMINATOR / 2)) / BigInt(BPS_DENOMINATOR);
  return Number(result);
}

// ---------------------------------------------------------------------------------------------
// Recurring window

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, monthIndex: number): number {
  if (monthIndex === 1) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return DAYS_IN_MONTH[monthIndex];
}

/**
 * `at` plus `months` calendar months in UTC, keeping the time of day and clamping the day to the
 * end of the target month (Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year) — the same way
 * Stripe anchors monthly billing periods.
 */
export function addCalendarMonths(at: Instant, months: number): Date {
  if (!Number.isSafeInteger(months))
    throw new RangeError(`months must be an integer, got ${months}`);
  const d = new Date(toIso(at));
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  const out = new Date(0);
  out.setUTCFullYear(year, month, day);
  out.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  return out;
}

export interface RecurringInput {
  /** The campaign's `recurring_months`: null = forever, 0 = first payment only, N = N months. */
  recurringMonths: number | null;
  /**
   * Start of the binding's first paid period: the period start of the earliest conversion of this
   * customer binding whose amount is > 0 (a one-off payment's period start is its payment time).
   * null = no earlier paid conversion exists, i.e. this payment is the first one.
   * $0 conversions (trials, 100%-off invoices) never start the window.
   */
  anchor: Instant | null;
  /** Start of the period this payment pays for (the invoice line period; payment time for one-offs). */
  periodStart: Instant;
}

/**
 * Whether a payment is inside the campaign's recurring window:
 * - `recurringMonths` null -> always;
 * - no anchor (first paid payment) -> always;
 * - 0 -> only a payment whose period starts no later than the anchor (the first payment);
 * - N -> a payment whose period starts strictly before anchor + N calendar months
 *   (`addCalendarMonths`). Monthly billing anchored on Jan 31 with N = 1 pays Jan 31 only: the next
 *   period starts Feb 28 = Jan 31 + 1 month, which is outside. N months = N monthly payments.
 */
export function isWithinRecurringWindow(input: RecurringInput): boolean {
  const { recurringMonths, anchor, periodStart } = input;
  if (recurringMonths === null) return true;
  if (!Number.isSafeInteger(recurringMonths) || recurringMonths < 0) {
    throw new RangeError(
      `recurringMonths must be null or a non-negative integer, got ${recurringMonths}`,
    );
  }
  const start = new Date(toIso(periodStart)).getTime();
  if (anchor === null) return true;
  const anchorMs = new Date(toIso(anchor)).getTime();
  if (recurringMonths === 0) return start <= anchorMs;
  return start < addCalendarMonths(anchor, recurringMonths).getTime();
}

// ---------------------------------------------------------------------------------------------
// Commission

/** How the affiliate's commission is computed for any (possibly partly refunded) amount. */
export type CommissionRule =
  | { type: "percent"; bps: number; source: "campaign" | "code" }
  | { type: "flat"; amount: number }
  | { type: "none" };

/**
 * The snapshot stored with a conversion: everything needed to recompute the commission and the
 * override on the unrefunded amount later (clawback), even if the campaign changes meanwhile.
 */
export interface CommissionTerms {
  currency: string;
  affiliateId: string;
  rule: CommissionRule;
  override: { affiliateId: string; bps: number } | null;
}

export type CommissionReason =
  | "campaign_percent"
  | "code_percent"
  | "flat"
  | "zero_amount"
  | "outside_recurring_window"
  | "flat_currency_mismatch";

export type OverrideReason =
  "parent_override" | "no_parent" | "zero_bps" | "outside_recurring_window";

export interface CommissionInput {
  /** Conversion amount (paid, net of tax) in minor units. */
  amount: number;
  currency: string;
  /** The credited affiliate (the attribution winner). */
  affiliateId: string;
  campaignCommission: CampaignCommission;
  /** The winning code's own rate in bps (`AttributionWinner.commissionRateBps`); null = campaign rule. */
  codeCommissionBps?: number | null;
  /** The campaign's sub-affiliate override in bps. */
  overrideBps: number;
  /** The credited affiliate's parent (only if the parent may earn), or null. Never a grandparent. */
  parentAffiliateId: string | null;
  recurring: RecurringInput;
}

export interface CommissionResult {
  amount: number;
  currency: string;
  recurringEligible: boolean;
  terms: CommissionTerms;
  commission: { affiliateId: string; amount: number; reason: CommissionReason };
  override: { affiliateId: string; bps: number; amount: number } | null;
  overrideReason: OverrideReason;
}

/** Commission and override amounts that `terms` give on `amount` (used for clawbacks too). */
export function commissionFor(
  terms: CommissionTerms,
  amount: number,
): { commission: number; override: number } {
  assertAmount(amount);
  let commission = 0;
  if (terms.rule.type === "percent") commission = percentOf(amount, terms.rule.bps);
  else if (terms.rule.type === "flat") commission = amount > 0 ? terms.rule.amount : 0;
  const override = terms.override ? percentOf(amount, terms.override.bps) : 0;
  return { commission, override };
}

/** Compute the commission and the override for one conversion. */
export function computeCommission(input: CommissionInput): CommissionResult {
  const { amount, affiliateId, campaignCommission, overrideBps, parentAffiliateId } = input;
  assertAmount(amount);
  assertBps(overrideBps, "overrideBps");
  const currency = normaliseCurrency(input.currency);
  const codeBps = input.codeCommissionBps ?? null;
  if (codeBps !== null) assertBps(codeBps, "codeCommissionBps");
  if (campaignCommission.type === "percent") assertBps(campaignCommission.bps, "campaign bps");
  else assertAmount(campaignCommission.amount, "flat commission amount");

  const recurringEligible = isWithinRecurringWindow(input.recurring);

  let rule: CommissionRule;
  let reason: CommissionReason;
  if (!recurringEligible) {
    rule = { type: "none" };
    reason = "outside_recurring_window";
  } else if (codeBps !== null) {
    rule = { type: "percent", bps: codeBps, source: "code" };
    reason = "code_percent";
  } else if (campaignCommission.type === "percent") {
    rule = { type: "percent", bps: campaignCommission.bps, source: "campaign" };
    reason = "campaign_percent";
  } else if (normaliseCurrency(campaignCommission.currency) !== currency) {
    rule = { type: "none" };
    reason = "flat_currency_mismatch";
  } else {
    rule = { type: "flat", amount: campaignCommission.amount };
    reason = "flat";
  }
  if (amount === 0 && reason !== "outside_recurring_window" && reason !== "flat_currency_mismatch")
    reason = "zero_amount";

  let overrideReason: OverrideReason;
  let override: CommissionTerms["override"] = null;
  if (!recurringEligible) overrideReason = "outside_recurring_window";
  else if (parentAffiliateId === null) overrideReason = "no_parent";
  else if (overrideBps === 0) overrideReason = "zero_bps";
  else {
    overrideReason = "parent_override";
    override = { affiliateId: parentAffiliateId, bps: overrideBps };
  }

  const terms: CommissionTerms = { currency, affiliateId, rule, override };
  const amounts = commissionFor(terms, amount);
  return {
    amount,
    currency,
    recurringEligible,
    terms,
    commission: { affiliateId, amount: amounts.commission, reason },
    override: override ? { ...override, amount: amounts.override } : null,
    overrideReason,
  };
}

/** The full decision record stored on a conversion: attribution plus the commission outcome. */
export interface ConversionDecisionRecord extends AttributionDecision {
  commission: {
    amount: number;
    currency: string;
    reason: CommissionReason;
    rule: CommissionRule;
    recurringEligible: boolean;
    override: { affiliateId: string; bps: number; amount: number } | null;
    overrideReason: OverrideReason;
  } | null;
}

/** Merge the attribution decision with the commission result (null when nobody was credited). */
export function buildDecisionRecord(
  decision: AttributionDecision,
  result: CommissionResult | null,
): ConversionDecisionRecord {
  if (result && result.terms.affiliateId !== decision.winner?.affiliateId) {
    throw new Error("The commission result is not for the attribution winner.");
  }
  return {
    ...decision,
    commission: result
      ? {
          amount: result.commission.amount,
          currency: result.currency,
          reason: result.commission.reason,
          rule: result.terms.rule,
          recurringEligible: result.recurringEligible,
          override: result.override,
          overrideReason: result.overrideReason,
        }
      : null,
  };
}
