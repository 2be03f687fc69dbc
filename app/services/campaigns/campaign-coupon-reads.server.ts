/**
 * Reads of a brand's campaign coupons: a campaign's list (with code counts, and the deleted ones
 * whose Stripe deletion is still open when asked) and one coupon by id. Brand-scoped; another
 * brand's id behaves like an unknown id.
 */
import { brandRowById } from "~/db/brand-rows.server";
import type { DB } from "~/db/db.server";
import type { CampaignCoupon } from "~/db/schema";
import { isUuid } from "~/domain/ids";

export type CampaignCouponRow = CampaignCoupon & { code_count: number; active_code_count: number };

/**
 * The campaign's coupons, newest first. Deleted coupons are left out unless their Stripe deletion
 * is still pending or failed (`includeDeleting`), so the brand sees what the job is doing.
 */
export async function listCampaignCoupons(
  db: DB,
  brandId: string,
  campaignId: string,
  opts: { includeDeleting?: boolean } = {},
): Promise<CampaignCouponRow[]> {
  if (!isUuid(campaignId)) return [];
  let q = db
    .selectFrom("campaign_coupons as cc")
    .selectAll("cc")
    .select((eb) => [
      eb
        .selectFrom("affiliate_coupons as ac")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("ac.campaign_coupon_id", "=", "cc.id")
        .where("ac.deleted_at", "is", null)
        .as("code_count"),
      eb
        .selectFrom("affiliate_coupons as ac")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("ac.campaign_coupon_id", "=", "cc.id")
        .where("ac.deleted_at", "is", null)
        .where("ac.active", "=", true)
        .as("active_code_count"),
    ])
    .where("cc.brand_id", "=", brandId)
    .where("cc.campaign_id", "=", campaignId);
  q = opts.includeDeleting
    ? q.where((eb) =>
        eb.or([
          eb("cc.deleted_at", "is", null),
          eb.and([
            eb("cc.stripe_deleted_at", "is", null),
            eb("cc.stripe_coupon_id", "is not", null),
          ]),
        ]),
      )
    : q.where("cc.deleted_at", "is", null);
  const rows = await q.orderBy("cc.created_at", "desc").orderBy("cc.id").execute();
  return rows.map((r) => ({
    ...r,
    code_count: Number(r.code_count ?? 0),
    active_code_count: Number(r.active_code_count ?? 0),
  }));
}

/** One of the brand's (non-deleted) campaign coupons. */
export async function getCampaignCoupon(
  db: DB,
  brandId: string,
  id: string,
): Promise<CampaignCoupon | undefined> {
  return brandRowById(db, "campaign_coupons", brandId, id, { live: true });
}
