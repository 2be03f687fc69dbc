/**
 * Reads of affiliate codes: an affiliate's codes with their coupon's terms, one code by id, the
 * coupons a new code can be made on, and the view models of the code lists (brand tab and
 * affiliate portal). Brand-scoped.
 */
import { brandRowById } from "~/db/brand-rows.server";
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { AffiliateCoupon, CampaignCoupon, CouponDuration, DiscountType } from "~/db/schema";
import { describeDiscount, inactiveLabel } from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { formatPercent } from "~/domain/money";

export type AffiliateCodeRow = AffiliateCoupon & {
  campaign_name: string;
  coupon_name: string;
  discount_type: DiscountType;
  percent_off_bps: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: CouponDuration;
  duration_in_months: number | null;
};

function codesQuery(db: DB) {
  return db
    .selectFrom("affiliate_coupons as ac")
    .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
    .innerJoin("campaigns as c", "c.id", "ac.campaign_id")
    .selectAll("ac")
    .select([
      "c.name as campaign_name",
      "cc.name as coupon_name",
      "cc.discount_type",
      "cc.percent_off_bps",
      "cc.amount_off",
      "cc.currency",
      "cc.duration",
      "cc.duration_in_months",
    ])
    .where((eb) =>
      eb.or([eb("ac.deleted_at", "is", null), eb("ac.stripe_status", "=", "pending_stripe")]),
    );
}

/** One of the brand's affiliates' codes (not deleted), newest first; optionally one campaign. */
export async function listAffiliateCodes(
  db: DB,
  brandId: string,
  affiliateId: string,
  opts: { campaignId?: string } = {},
): Promise<AffiliateCodeRow[]> {
  if (!isUuid(affiliateId)) return [];
  let q = codesQuery(db)
    .where("ac.brand_id", "=", brandId)
    .where("ac.affiliate_id", "=", affiliateId);
  if (opts.campaignId) q = q.where("ac.campaign_id", "=", opts.campaignId);
  return q.orderBy("ac.created_at", "desc").orderBy("ac.id").execute();
}

/** One of the brand's codes (not deleted). */
export async function getAffiliateCode(
  db: DB,
  brandId: string,
  id: string,
): Promise<AffiliateCoupon | undefined> {
  return brandRowById(db, "affiliate_coupons", brandId, id, { live: true });
}

export type CouponOption = Pick<
  CampaignCoupon,
  | "id"
  | "campaign_id"
  | "name"
  | "discount_type"
  | "percent_off_bps"
  | "amount_off"
  | "currency"
  | "duration"
  | "duration_in_months"
  | "allow_affiliate_self_service"
> & { campaign_name: string };

/** Live coupons of the campaigns the affiliate is enrolled in: what a new code can be made on. */
export async function listCouponOptionsForAffiliate(
  db: DB,
  brandId: string,
  affiliateId: string,
  opts: { campaignId?: string } = {},
): Promise<CouponOption[]> {
  if (!isUuid(affiliateId)) return [];
  let q = db
    .selectFrom("campaign_coupons as cc")
    .innerJoin("enrollments as e", (j) =>
      j.onRef("e.campaign_id", "=", "cc.campaign_id").on("e.affiliate_id", "=", affiliateId),
    )
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .select([
      "cc.id",
      "cc.campaign_id",
      "cc.name",
      "cc.discount_type",
      "cc.percent_off_bps",
      "cc.amount_off",
      "cc.currency",
      "cc.duration",
      "cc.duration_in_months",
      "cc.allow_affiliate_self_service",
      "c.name as campaign_name",
    ])
    .where("cc.brand_id", "=", brandId)
    .where("e.brand_id", "=", brandId)
    .where("cc.deleted_at", "is", null)
    .where("cc.active", "=", true)
    .where("cc.stripe_coupon_id", "is not", null)
    .where((eb) =>
      eb.or([eb("cc.redeem_by", "is", null), eb("cc.redeem_by", ">", sql<Date>`now()`)]),
    );
  if (opts.campaignId) q = q.where("cc.campaign_id", "=", opts.campaignId);
  return q.orderBy("c.name").orderBy("cc.created_at").execute();
}

// ---------------------------------------------------------------------------------------------
// View models for the code lists (brand tab and affiliate portal)

/** A code row as the `CodeList` component shows it (the discount in words, dates as days). */
export function codeListItem(row: AffiliateCodeRow) {
  return {
    id: row.id,
    code: row.code,
    discount: describeDiscount(row),
    couponName: row.coupon_name,
    campaignName: row.campaign_name,
    redemptionCount: row.redemption_count,
    maxRedemptions: row.max_redemptions,
    commission:
      row.commission_rate_bps === null
        ? null
        : `${formatPercent(row.commission_rate_bps)} (this code)`,
    active: row.active,
    inactiveLabel: row.active ? null : inactiveLabel(row.inactive_reason),
    syncError: row.stripe_sync_error,
    stripePending: row.stripe_status === "pending_stripe",
    deleted: row.deleted_at !== null,
    createdBy: row.created_by,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString().slice(0, 10) : null,
  };
}

/** A coupon choice for the Generate form: "Acme Partners · Launch — 20% off your first payment". */
export function couponOptionLabel(o: CouponOption, withCampaign: boolean): string {
  return `${withCampaign ? `${o.campaign_name} · ` : ""}${o.name} — ${describeDiscount(o)}`;
}
