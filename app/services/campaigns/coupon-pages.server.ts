/**
 * Keyset-paginated reads of campaign coupons and affiliate codes for `/api/v1` (newest first,
 * brand-scoped, deleted rows left out), in the contract's JSON shapes.
 */
import { mapPage, type Page, type PageParams, paginate } from "~/api/pagination.server";
import type { DB } from "~/db/db.server";
import type { AffiliateCoupon, CampaignCoupon } from "~/db/schema";
import { affiliateCouponJson, type AffiliateCouponJson } from "./affiliate-codes.server";
import { campaignCouponJson, type CampaignCouponJson } from "./campaign-coupons.server";

export async function campaignCouponsPage(
  db: DB,
  brandId: string,
  campaignId: string,
  page: PageParams,
): Promise<Page<CampaignCouponJson>> {
  const rows = await paginate(
    db
      .selectFrom("campaign_coupons")
      .selectAll("campaign_coupons")
      .where("campaign_coupons.brand_id", "=", brandId)
      .where("campaign_coupons.campaign_id", "=", campaignId)
      .where("campaign_coupons.deleted_at", "is", null),
    "campaign_coupons",
    page,
  );
  return mapPage(rows as Page<CampaignCoupon>, campaignCouponJson);
}

export async function affiliateCouponsPage(
  db: DB,
  brandId: string,
  affiliateId: string,
  page: PageParams,
): Promise<Page<AffiliateCouponJson>> {
  const rows = await paginate(
    db
      .selectFrom("affiliate_coupons")
      .selectAll("affiliate_coupons")
      .where("affiliate_coupons.brand_id", "=", brandId)
      .where("affiliate_coupons.affiliate_id", "=", affiliateId)
      .where("affiliate_coupons.deleted_at", "is", null),
    "affiliate_coupons",
    page,
  );
  return mapPage(rows as Page<AffiliateCoupon>, affiliateCouponJson);
}
