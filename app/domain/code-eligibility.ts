/**
 * Whether an affiliate may get a new code on a campaign coupon: the coupon must work in Stripe
 * (active, created and synced) and not be expired, the affiliate must not be rejected or
 * suspended, and must be enrolled in the coupon's campaign. The first rule broken is the answer,
 * in that order. Pure: the caller loads the rows.
 */
import type { AffiliateStatus, StripeStatus } from "~/db/schema";
import { couponError, type CouponError } from "./coupon";

export interface CodeEligibilityInput {
  affiliate: { name: string; status: AffiliateStatus };
  coupon: {
    active: boolean;
    stripe_coupon_id: string | null;
    stripe_status: StripeStatus;
    redeem_by: Date | string | null;
  };
  /** Whether the affiliate is enrolled in the coupon's campaign. */
  enrolled: boolean;
  now: Date;
}

/** null when a code may be made; otherwise the `invalid_request` error to show. */
export function codeEligibilityError(input: CodeEligibilityInput): CouponError | null {
  const { affiliate, coupon } = input;
  if (!coupon.active || !coupon.stripe_coupon_id || coupon.stripe_status !== "synced") {
    return couponError(
      "invalid_request",
      coupon.stripe_status !== "synced" && coupon.active
        ? "This coupon is still being created in Stripe; try again in a moment."
        : "This coupon no longer works in Stripe, so it cannot get new codes.",
      "campaign_coupon_id",
    );
  }
  if (coupon.redeem_by && new Date(coupon.redeem_by).getTime() <= input.now.getTime()) {
    return couponError(
      "invalid_request",
      "This coupon has expired, so it cannot get new codes.",
      "campaign_coupon_id",
    );
  }
  if (affiliate.status === "rejected" || affiliate.status === "suspended") {
    return couponError(
      "invalid_request",
      `${affiliate.name} is ${affiliate.status}; approve them before giving them codes.`,
    );
  }
  if (!input.enrolled) {
    return couponError(
      "invalid_request",
      `${affiliate.name} is not enrolled in this coupon's campaign.`,
      "campaign_coupon_id",
    );
  }
  return null;
}
