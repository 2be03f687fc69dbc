import { assertOk, notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { pageParams } from "~/api/pagination.server";
import { CampaignCoupon, CampaignCouponCreate, CampaignCouponList, PageQuery } from "~/api/schemas";
import { campaignCouponJson } from "~/api/serializers/coupons.server";
import { createCampaignCoupon } from "~/services/campaigns/campaign-coupons.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";
import { campaignCouponsPage } from "~/api/coupon-pages.server";

/**
 * `GET|POST /api/v1/campaigns/{campaignId}/coupons`. Create makes the Stripe coupon with the
 * brand's key: plan_required 403 (Starter after the trial), Stripe refusing 502 stripe_error.
 */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = pageParams(ctx.query(PageQuery));
    const campaign = await getCampaign(ctx.db, ctx.brandId, ctx.params.campaignId ?? "");
    if (!campaign) throw notFound("Campaign");
    return respond(
      CampaignCouponList,
      await campaignCouponsPage(ctx.db, ctx.brandId, campaign.id, page),
    );
  },
  async POST(ctx) {
    const body = ctx.body(CampaignCouponCreate);
    const result = await createCampaignCoupon(
      ctx.db,
      { config: ctx.config },
      ctx.brandId,
      ctx.params.campaignId ?? "",
      body,
    );
    assertOk(result);
    return respond(CampaignCoupon, campaignCouponJson(result.coupon), 201);
  },
});
