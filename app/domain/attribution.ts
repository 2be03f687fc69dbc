/**
 * Attribution decision: which affiliate (if any) is credited for one purchase, and whether the
 * purchase counts a redemption on an affiliate code. Pure: no I/O, no clock, no randomness.
 *
 * The caller gathers every signal of the purchase first (DESIGN.md section 5: the click id and the
 * promotion code of one purchase arrive split across events), then calls `decideAttribution` once.
 * The result depends only on the signals, never on the order they arrived in, and it is the
 * JSON-serialisable decision record stored on the conversion.
 *
 * Rules, in order:
 * 1. An S2S report names its affiliate explicitly: it wins (`s2s_report`). S2S conversions have no
 *    Stripe customer, so they never create a binding.
 * 2. A customer already bound to an affiliate keeps crediting that affiliate on later payments,
 *    whatever new signals appear (`existing_binding`). The binding is permanent: if the bound
 *    affiliate can no longer earn (e.g. suspended) nobody is credited (`existing_binding_ineligible`)
 *    and the customer is not re-bound to someone else.
 * 3. Otherwise the eligible click and code decide: code only -> `coupon_only`; click only ->
 *    `link_only`; both -> the code's campaign coupon `overrides_click_attribution` decides:
 *    true -> `coupon_overrides_click`, false -> `click_wins_coupon_counted`. An ineligible candidate
 *    is recorded but cannot win (`coupon_wins_click_ineligible`, `click_wins_coupon_ineligible`,
 *    `no_eligible_signal`). Nothing at all -> `no_signal`.
 *
 * Redemption counting is independent of who wins: a known affiliate code used on this purchase
 * counts a redemption (+1) unless this customer already redeemed the same code (a renewal, or a
 * second purchase with the same code). Stripe counts the redemption whoever earns the commission.
 */

import type { AttributionMethod } from "./conversion-enums";

export type { AttributionMethod } from "./conversion-enums";

/** A moment in time as the caller has it: a Date or an ISO 8601 string. Stored as ISO 8601 UTC. */
export type Instant = Date | string;

/**
 * Why a candidate cannot be credited, as a stable machine id chosen by the caller, e.g.
 * `affiliate_not_approved`, `not_enrolled`, `click_expired`, `code_inactive`. Absent or null = eligible.
 */
export type IneligibleReason = string;

/** A click id found on the purchase (Checkout `client_reference_id`, or `metadata.rekomi_ref`). */
export interface ClickCandidate {
  clickId: string;
  affiliateId: string;
  campaignId: string;
  clickedAt: Instant;
  ineligibleReason?: IneligibleReason | null;
}

/** A Rekomi affiliate code found on the purchase (subscription, invoice or Checkout Session). */
export interface CouponCandidate {
  affiliateCouponId: string;
  code: string;
  affiliateId: string;
  campaignId: string;
  campaignCouponId: string;
  /** The campaign coupon's `overrides_click_attribution` (default true in the product). */
  overridesClickAttribution: boolean;
  /** The code's own commission rate in basis points; null/absent = the campaign's commission. */
  commissionRateBps?: number | null;
  /**
   * True when this customer already redeemed this code on an earlier conversion (a renewal of the
   * same subscription, or a second purchase), so this purchase must not count it again.
   */
  alreadyRedeemedByCustomer?: boolean;
  ineligibleReason?: IneligibleReason | null;
}

/** The Stripe customer is already bound to an affiliate (a `referrals` row). */
export interface ExistingReferral {
  referralId?: string | null;
  affiliateId: string;
  campaignId: string;
  method: AttributionMethod;
  boundAt: Instant;
  /** The code the binding was made with (method `coupon`); its rate keeps applying to renewals. */
  affiliateCouponId?: string | null;
  commissionRateBps?: number | null;
  ineligibleReason?: IneligibleReason | null;
}

/** A server-to-server conversion report (`POST /api/v1/conversions`), already resolved. */
export interface S2sCandidate {
  affiliateId: string;
  campaignId: string;
  clickId?: string | null;
  ineligibleReason?: IneligibleReason | null;
}

/** Every signal gathered for one purchase. */
export interface AttributionSignals {
  clickCandidate?: ClickCandidate | null;
  couponCandidate?: CouponCandidate | null;
  existingReferral?: ExistingReferral | null;
  s2sCandidate?: S2sCandidate | null;
}

/** Stable machine ids of the rule that picked the winner. */
export const ATTRIBUTION_RULES = [
  "s2s_report",
  "existing_binding",
  "existing_binding_ineligible",
  "coupon_only",
  "link_only",
  "coupon_overrides_click",
  "click_wins_coupon_counted",
  "coupon_wins_click_ineligible",
  "click_wins_coupon_ineligible",
  "no_eligible_signal",
  "no_signal",
] as const;
export type AttributionRule = (typeof ATTRIBUTION_RULES)[number];

/** The credited affiliate. `commissionRateBps` is the code rate to apply (null = campaign's rule). */
export interface AttributionWinner {
  affiliateId: string;
  campaignId: string;
  method: AttributionMethod;
  clickId: string | null;
  affiliateCouponId: string | null;
  commissionRateBps: number | null;
}

export type DecisionCandidate =
  | {
      source: "existing_referral";
      affiliateId: string;
      campaignId: string;
      referralId: string | null;
      method: AttributionMethod;
      boundAt: string;
      affiliateCouponId: string | null;
      commissionRateBps: number | null;
      eligible: boolean;
      ineligibleReason: string | null;
      selected: boolean;
    }
  | {
      source: "s2s";
      affiliateId: string;
      campaignId: string;
      clickId: string | null;
      eligible: boolean;
      ineligibleReason: string | null;
      selected: boolean;
    }
  | {
      source: "click";
      affiliateId: string;
      campaignId: string;
      clickId: string;
      clickedAt: string;
      eligible: boolean;
      ineligibleReason: string | null;
      selected: boolean;
    }
  | {
      source: "coupon";
      affiliateId: string;
      campaignId: string;
      affiliateCouponId: string;
      code: string;
      campaignCouponId: string;
      overridesClickAttribution: boolean;
      commissionRateBps: number | null;
      alreadyRedeemedByCustomer: boolean;
      eligible: boolean;
      ineligibleReason: string | null;
      selected: boolean;
    };

/** The decision record stored on every conversion (plain JSON: strings, numbers, booleans, null). */
export interface AttributionDecision {
  version: 1;
  rule: AttributionRule;
  winner: AttributionWinner | null;
  /** True when the caller must bind the Stripe customer to the winner (no binding existed). */
  createsBinding: boolean;
  /** The affiliate code whose redemption counter this conversion increments (+1), or null. */
  countsRedemptionOn: string | null;
  /** Every candidate seen, in a fixed order: existing_referral, s2s, click, coupon. */
  candidates: DecisionCandidate[];
}

export function toIso(at: Instant): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid date: ${String(at)}`);
  return d.toISOString();
}

function assertRate(bps: number | null | undefined, what: string): number | null {
  if (bps === null || bps === undefined) return null;
  if (!Number.isSafeInteger(bps) || bps < 0)
    throw new RangeError(`${what} must be a non-negative integer of basis points, got ${bps}`);
  return bps;
}

const reasonOf = (c: { ineligibleReason?: string | null }): string | null =>
  c.ineligibleReason ?? null;

/** Decide who is credited for one purchase. Pure: same signals -> same decision. */
export function decideAttribution(signals: AttributionSignals): AttributionDecision {
  const existing = signals.existingReferral ?? null;
  const s2s = signals.s2sCandidate ?? null;
  const click = signals.clickCandidate ?? null;
  const coupon = signals.couponCandidate ?? null;

  const existingEligible = existing !== null && reasonOf(existing) === null;
  const s2sEligible = s2s !== null && reasonOf(s2s) === null;
  const clickEligible = click !== null && reasonOf(click) === null;
  const couponEligible = coupon !== null && reasonOf(coupon) === null;
  const couponRate = coupon ? assertRate(coupon.commissionRateBps, "commissionRateBps") : null;
  const existingRate = existing
    ? assertRate(existing.commissionRateBps, "commissionRateBps")
    : null;

  let rule: AttributionRule;
  let selected: DecisionCandidate["source"] | null = null;

  if (s2s !== null) {
    rule = s2sEligible ? "s2s_report" : "no_eligible_signal";
    selected = s2sEligible ? "s2s" : null;
  } else if (existing !== null) {
    rule = existingEligible ? "existing_binding" : "existing_binding_ineligible";
    selected = existingEligible ? "existing_referral" : null;
  } else if (click === null && coupon === null) {
    rule = "no_signal";
  } else if (click !== null && coupon !== null) {
    if (clickEligible && couponEligible) {
      if (coupon.overridesClickAttribution) {
        rule = "coupon_overrides_click";
        selected = "coupon";
      } else {
        rule = "click_wins_coupon_counted";
        selected = "click";
      }
    } else if (couponEligible) {
      rule = "coupon_wins_click_ineligible";
      selected = "coupon";
    } else if (clickEligible) {
      rule = "click_wins_coupon_ineligible";
      selected = "click";
    } else {
      rule = "no_eligible_signal";
    }
  } else if (coupon !== null) {
    rule = couponEligible ? "coupon_only" : "no_eligible_signal";
    selected = couponEligible ? "coupon" : null;
  } else {
    rule = clickEligible ? "link_only" : "no_eligible_signal";
    selected = clickEligible ? "click" : null;
  }

  let winner: AttributionWinner | null = null;
  if (selected === "s2s" && s2s) {
    winner = {
      affiliateId: s2s.affiliateId,
      campaignId: s2s.campaignId,
      method: "s2s",
      clickId: s2s.clickId ?? null,
      affiliateCouponId: null,
      commissionRateBps: null,
    };
  } else if (selected === "existing_referral" && existing) {
    winner = {
      affiliateId: existing.affiliateId,
      campaignId: existing.campaignId,
      method: existing.method,
      clickId: null,
      affiliateCouponId: existing.affiliateCouponId ?? null,
      commissionRateBps: existingRate,
    };
  } else if (selected === "coupon" && coupon) {
    winner = {
      affiliateId: coupon.affiliateId,
      campaignId: coupon.campaignId,
      method: "coupon",
      clickId: null,
      affiliateCouponId: coupon.affiliateCouponId,
      commissionRateBps: couponRate,
    };
  } else if (selected === "click" && click) {
    winner = {
      affiliateId: click.affiliateId,
      campaignId: click.campaignId,
      method: "link",
      clickId: click.clickId,
      affiliateCouponId: null,
      commissionRateBps: null,
    };
  }

  const candidates: DecisionCandidate[] = [];
  if (existing) {
    candidates.push({
      source: "existing_referral",
      affiliateId: existing.affiliateId,
      campaignId: existing.campaignId,
      referralId: existing.referralId ?? null,
      method: existing.method,
      boundAt: toIso(existing.boundAt),
      affiliateCouponId: existing.affiliateCouponId ?? null,
      commissionRateBps: existingRate,
      eligible: existingEligible,
      ineligibleReason: reasonOf(existing),
      selected: selected === "existing_referral",
    });
  }
  if (s2s) {
    candidates.push({
      source: "s2s",
      affiliateId: s2s.affiliateId,
      campaignId: s2s.campaignId,
      clickId: s2s.clickId ?? null,
      eligible: s2sEligible,
      ineligibleReason: reasonOf(s2s),
      selected: selected === "s2s",
    });
  }
  if (click) {
    candidates.push({
      source: "click",
      affiliateId: click.affiliateId,
      campaignId: click.campaignId,
      clickId: click.clickId,
      clickedAt: toIso(click.clickedAt),
      eligible: clickEligible,
      ineligibleReason: reasonOf(click),
      selected: selected === "click",
    });
  }
  if (coupon) {
    candidates.push({
      source: "coupon",
      affiliateId: coupon.affiliateId,
      campaignId: coupon.campaignId,
      affiliateCouponId: coupon.affiliateCouponId,
      code: coupon.code,
      campaignCouponId: coupon.campaignCouponId,
      overridesClickAttribution: coupon.overridesClickAttribution,
      commissionRateBps: couponRate,
      alreadyRedeemedByCustomer: coupon.alreadyRedeemedByCustomer ?? false,
      eligible: couponEligible,
      ineligibleReason: reasonOf(coupon),
      selected: selected === "coupon",
    });
  }

  return {
    version: 1,
    rule,
    winner,
    createsBinding: winner !== null && existing === null && winner.method !== "s2s",
    countsRedemptionOn:
      coupon && !coupon.alreadyRedeemedByCustomer ? coupon.affiliateCouponId : null,
    candidates,
  };
}

/**
 * Whether a click is still inside the campaign's cookie window at `at` (inclusive: a click made
 * exactly `windowDays` days earlier still counts). A purchase timestamped slightly before its
 * click (clock skew between Stripe and Rekomi) counts as inside the window.
 */
export function isClickWithinWindow(clickedAt: Instant, windowDays: number, at: Instant): boolean {
  if (!Number.isSafeInteger(windowDays) || windowDays < 0)
    throw new RangeError(`windowDays must be a non-negative integer, got ${windowDays}`);
  const clicked = new Date(toIso(clickedAt)).getTime();
  const now = new Date(toIso(at)).getTime();
  return now - clicked <= windowDays * 86_400_000;
}
