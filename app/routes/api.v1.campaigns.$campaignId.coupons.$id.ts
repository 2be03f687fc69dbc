import { assertOk, notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { CampaignCoupon, CampaignCouponUpdate, DeletedResponse } from "~/api/schemas";
import type { DB } from "~/db/db.server";
import { campaignCouponJson } from "~/api/serializers/coupons.server";
import {
  deleteCampaignCoupon,
  updateCampaignCoupon,
} from "~/services/campaigns/campaign-coupons.server";
import { getCampaignCoupon } from "~/services/campaigns/campaign-coupon-reads.server";

/** The campaign's (non-deleted) coupon, or 404 (another campaign's or brand's coupon too). */
async function couponOf(
  db: DB,
  brandId: string,
  campaignId: string | undefined,
  id: string | undefined,
) {
  const coupon = await getCampaignCoupon(db, brandId, id ?? "");
  if (!coupon || coupon.campaign_id !== campaignId) throw notFound("Coupon");
  return coupon;
}

/** `GET|PATCH|DELETE /api/v1/campaigns/{campaignId}/coupons/{id}` */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const coupon = await couponOf(ctx.db, ctx.brandId, ctx.params.campaignId, ctx.params.id);
    return respond(CampaignCoupon, campaignCouponJson(coupon));
  },
  async PATCH(ctx) {
    const body = ctx.body(CampaignCouponUpdate);
    const coupon = await couponOf(ctx.db, ctx.brandId, ctx.params.campaignId, ctx.params.id);
    const result = await updateCampaignCoupon(
      ctx.db,
      { config: ctx.config },
      ctx.brandId,
      coupon.id,
      body,
    );
    assertOk(result);
    return respond(CampaignCoupon, campaignCouponJson(result.coupon));
  },
  async DELETE(ctx) {
    const coupon = await couponOf(ctx.db, ctx.brandId, ctx.params.campaignId, ctx.params.id);
    const result = await deleteCampaignCoupon(ctx.db, ctx.brandId, coupon.id);
    assertOk(result);
    return respond(DeletedResponse, { id: result.coupon.id, deleted: true });
  },
});
