/**
 * The affiliate portal's codes: the signed-in affiliate's enrollment in a campaign, what the
 * portal page shows (codes, coupons open to self-service, whether minting is on), and minting a
 * vanity code under the same rules as brand-made codes. Scoped by the affiliate's user id.
 */
import type { DB } from "~/db/db.server";
import type { AffiliateCoupon, AffiliateStatus } from "~/db/schema";
import { couponError, type CouponResult } from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { listAffiliateCodes, listCouponOptionsForAffiliate } from "./affiliate-code-reads.server";
import { createAffiliateCode } from "./affiliate-codes.server";
import { checkCouponPlan, type CouponDeps } from "./coupon-access.server";

export interface PortalCampaign {
  brandId: string;
  brandName: string;
  affiliateId: string;
  affiliateStatus: AffiliateStatus;
  campaignId: string;
  campaignName: string;
  linkCode: string;
  commission: {
    commission_type: "percent" | "flat";
    commission_percent_bps: number | null;
    commission_amount: number | null;
    commission_currency: string | null;
    recurring_months: number | null;
  };
}

/** The signed-in affiliate's enrollment in a campaign, or undefined (not theirs / unknown). */
export async function getPortalCampaign(
  db: DB,
  userId: string,
  campaignId: string,
): Promise<PortalCampaign | undefined> {
  if (!isUuid(campaignId)) return undefined;
  const row = await db
    .selectFrom("enrollments as e")
    .innerJoin("affiliates as a", "a.id", "e.affiliate_id")
    .innerJoin("campaigns as c", "c.id", "e.campaign_id")
    .innerJoin("brands as b", "b.id", "e.brand_id")
    .select([
      "b.id as brand_id",
      "b.name as brand_name",
      "a.id as affiliate_id",
      "a.status as affiliate_status",
      "c.id as campaign_id",
      "c.name as campaign_name",
      "e.link_code",
      "c.commission_type",
      "c.commission_percent_bps",
      "c.commission_amount",
      "c.commission_currency",
      "c.recurring_months",
    ])
    .where("a.user_id", "=", userId)
    .where("e.campaign_id", "=", campaignId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    brandId: row.brand_id,
    brandName: row.brand_name,
    affiliateId: row.affiliate_id,
    affiliateStatus: row.affiliate_status,
    campaignId: row.campaign_id,
    campaignName: row.campaign_name,
    linkCode: row.link_code,
    commission: {
      commission_type: row.commission_type,
      commission_percent_bps: row.commission_percent_bps,
      commission_amount: row.commission_amount,
      commission_currency: row.commission_currency,
      recurring_months: row.recurring_months,
    },
  };
}

export const SELF_SERVICE_OFF_MESSAGE = "Vanity codes are not available for this coupon.";

/** What the portal page shows: codes, coupons open to self-service, and whether minting is on. */
export async function portalCodes(db: DB, p: PortalCampaign) {
  const [codes, options, planError] = await Promise.all([
    listAffiliateCodes(db, p.brandId, p.affiliateId, { campaignId: p.campaignId }),
    listCouponOptionsForAffiliate(db, p.brandId, p.affiliateId, { campaignId: p.campaignId }),
    checkCouponPlan(db, p.brandId),
  ]);
  const selfService = options.filter((o) => o.allow_affiliate_self_service);
  return {
    codes,
    selfServiceCoupons: selfService,
    canMint: p.affiliateStatus === "approved" && selfService.length > 0 && planError === null,
  };
}

/**
 * An approved affiliate mints a vanity code on a campaign they are enrolled in, on a coupon that
 * allows self-service, under the same rules as brand-made codes (no commission override).
 */
export async function createVanityCode(
  db: DB,
  deps: CouponDeps,
  userId: string,
  campaignId: string,
  input: { campaign_coupon_id: string; code?: string | null },
): Promise<CouponResult<{ code: AffiliateCoupon }>> {
  const p = await getPortalCampaign(db, userId, campaignId);
  if (!p) return { ok: false, error: couponError("not_found", "Campaign not found.") };
  if (p.affiliateStatus !== "approved") {
    return {
      ok: false,
      error: couponError(
        "invalid_request",
        `You can create codes once ${p.brandName} approves you.`,
      ),
    };
  }
  const coupon = isUuid(input.campaign_coupon_id)
    ? await db
        .selectFrom("campaign_coupons")
        .select(["id", "allow_affiliate_self_service"])
        .where("brand_id", "=", p.brandId)
        .where("campaign_id", "=", p.campaignId)
        .where("id", "=", input.campaign_coupon_id)
        .where("deleted_at", "is", null)
        .executeTakeFirst()
    : undefined;
  if (!coupon)
    return {
      ok: false,
      error: couponError("not_found", "Coupon not found.", "campaign_coupon_id"),
    };
  if (!coupon.allow_affiliate_self_service) {
    return {
      ok: false,
      error: couponError("invalid_request", SELF_SERVICE_OFF_MESSAGE, "campaign_coupon_id"),
    };
  }
  return createAffiliateCode(
    db,
    deps,
    p.brandId,
    p.affiliateId,
    { campaign_coupon_id: coupon.id, code: input.code ?? null },
    { createdBy: "affiliate" },
  );
}
