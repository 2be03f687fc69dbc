/**
 * Keyset-paginated reads of campaign coupons and affiliate codes for `/api/v1` (newest first,
 * brand-scoped, deleted rows left out), in the contract's JSON shapes.
 */
import type { DB } from "~/db/db.server";
import { mapPage, type Page, type PageParams, paginate } from "~/db/keyset.server";
import type { AffiliateCoupon, CampaignCoupon } from "~/db/schema";
import {
  affiliateCouponJson,
  type AffiliateCouponJson,
  campaignCouponJson,
  type CampaignCouponJson,
} from "./serializers/coupons.server";

/**
 * One page of the brand's live (not deleted) rows of a coupon table under one parent. Both tables
 * have the brand, parent, deleted_at, created_at and id columns used here, so the query is typed
 * through one of them and the caller names the row type.
 */
function liveRowsPage(
  db: DB,
  table: "campaign_coupons" | "affiliate_coupons",
  brandId: string,
  parent: { column: "campaign_id" | "affiliate_id"; id: string },
  page: PageParams,
) {
  const t = table as "campaign_coupons";
  const parentColumn = parent.column as "campaign_id";
  return paginate(
    db
      .selectFrom(t)
      .selectAll(t)
      .where(`${t}.brand_id`, "=", brandId)
      .where(`${t}.${parentColumn}`, "=", parent.id)
      .where(`${t}.deleted_at`, "is", null),
    table,
    page,
  );
}

export async function campaignCouponsPage(
  db: DB,
  brandId: string,
  campaignId: string,
  page: PageParams,
): Promise<Page<CampaignCouponJson>> {
  const parent = { column: "campaign_id" as const, id: campaignId };
  const rows = await liveRowsPage(db, "campaign_coupons", brandId, parent, page);
  return mapPage(rows as Page<CampaignCoupon>, campaignCouponJson);
}

export async function affiliateCouponsPage(
  db: DB,
  brandId: string,
  affiliateId: string,
  page: PageParams,
): Promise<Page<AffiliateCouponJson>> {
  const parent = { column: "affiliate_id" as const, id: affiliateId };
  const rows = await liveRowsPage(db, "affiliate_coupons", brandId, parent, page);
  return mapPage(rows as unknown as Page<AffiliateCoupon>, affiliateCouponJson);
}
