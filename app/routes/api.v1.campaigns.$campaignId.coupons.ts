import { couponCollectionRoute } from "~/api/coupon-collection-route.server";
import { campaignCouponsPage } from "~/api/coupon-pages.server";
import { assertOk } from "~/api/errors";
import { respond } from "~/api/handler.server";
import { CampaignCoupon, CampaignCouponCreate, CampaignCouponList } from "~/api/schemas";
import { campaignCouponJson } from "~/api/serializers/coupons.server";
import { createCampaignCoupon } from "~/services/campaigns/campaign-coupons.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";

/**
 * `GET|POST /api/v1/campaigns/{campaignId}/coupons`. Create makes the Stripe coupon with the
 * brand's key: plan_required 403 (Starter after the trial), Stripe refusing 502 stripe_error.
 */
export const { loader, action } = couponCollectionRoute({
  param: "campaignId",
  parentName: "Campaign",
  findParent: getCampaign,
  async listPage(ctx, campaign, page) {
    const rows = await campaignCouponsPage(ctx.db, ctx.brandId, campaign.id, page);
    return respond(CampaignCouponList, rows);
  },
  async create(ctx, campaignId) {
    const body = ctx.body(CampaignCouponCreate);
    const result = await createCampaignCoupon(
      ctx.db,
      { config: ctx.config },
      ctx.brandId,
      campaignId,
      body,
    );
    assertOk(result);
    return respond(CampaignCoupon, campaignCouponJson(result.coupon), 201);
  },
});
