/**
 * The contract's JSON for campaign coupons and affiliate codes (DESIGN.md section 7), used by
 * `/api/v1` and the session-auth JSON resources. Pure: a stored row in, the JSON out.
 */
import type { AffiliateCoupon, CampaignCoupon } from "~/db/schema";

export interface CampaignCouponJson {
  id: string;
  campaign_id: string;
  name: string;
  discount:
    | { type: "percent"; percent_off: number }
    | { type: "amount"; amount_off: number; currency: string };
  duration: "once" | "repeating" | "forever";
  duration_in_months: number | null;
  max_redemptions: number | null;
  redeem_by: string | null;
  overrides_click_attribution: boolean;
  allow_affiliate_self_service: boolean;
  max_codes_per_affiliate: number;
  stripe_coupon_id: string | null;
  stripe_status: "pending_stripe" | "synced";
  created_at: string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

export function campaignCouponJson(row: CampaignCoupon): CampaignCouponJson {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    name: row.name,
    discount:
      row.discount_type === "percent"
        ? { type: "percent", percent_off: (row.percent_off_bps ?? 0) / 100 }
        : { type: "amount", amount_off: row.amount_off ?? 0, currency: row.currency ?? "usd" },
    duration: row.duration,
    duration_in_months: row.duration_in_months,
    max_redemptions: row.max_redemptions,
    redeem_by: row.redeem_by ? iso(row.redeem_by) : null,
    overrides_click_attribution: row.overrides_click_attribution,
    allow_affiliate_self_service: row.allow_affiliate_self_service,
    max_codes_per_affiliate: row.max_codes_per_affiliate,
    stripe_coupon_id: row.stripe_coupon_id,
    stripe_status: row.stripe_status,
    created_at: iso(row.created_at),
  };
}

export interface AffiliateCouponJson {
  id: string;
  affiliate_id: string;
  campaign_coupon_id: string;
  code: string;
  stripe_promotion_code_id: string | null;
  max_redemptions: number | null;
  redemption_count: number;
  active: boolean;
  created_by: AffiliateCoupon["created_by"];
  /** `pending_stripe` until Stripe confirmed the latest change (Rekomi retries), then `synced`. */
  stripe_status: "pending_stripe" | "synced";
  created_at: string;
}

export function affiliateCouponJson(row: AffiliateCoupon): AffiliateCouponJson {
  return {
    id: row.id,
    affiliate_id: row.affiliate_id,
    campaign_coupon_id: row.campaign_coupon_id,
    code: row.code,
    stripe_promotion_code_id: row.stripe_promotion_code_id,
    max_redemptions: row.max_redemptions,
    redemption_count: row.redemption_count,
    active: row.active,
    created_by: row.created_by,
    stripe_status: row.stripe_status,
    created_at: new Date(row.created_at).toISOString(),
  };
}
