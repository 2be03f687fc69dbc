import { couponCollectionRoute } from "~/api/coupon-collection-route.server";
import { campaignCouponsPage } from "~/api/coupon-pages.server";
import { assertOk } from "~/api/errors";
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
  schemas: { list: CampaignCouponList, create: CampaignCouponCreate, item: CampaignCoupon },
  page: campaignCouponsPage,
  async create(ctx, campaignId, body) {
    const deps = { config: ctx.config };
    const result = await createCampaignCoupon(ctx.db, deps, ctx.brandId, campaignId, body);
    assertOk(result);
    return { json: campaignCouponJson(result.coupon), status: 201 };
  },
});
