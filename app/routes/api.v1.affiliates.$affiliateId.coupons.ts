import { couponCollectionRoute } from "~/api/coupon-collection-route.server";
import { affiliateCouponsPage } from "~/api/coupon-pages.server";
import { assertOk } from "~/api/errors";
import { AffiliateCoupon, AffiliateCouponCreate, AffiliateCouponList } from "~/api/schemas";
import { affiliateCouponJson } from "~/api/serializers/coupons.server";
import { getAffiliate } from "~/services/affiliates/affiliate-reads.server";
import { createAffiliateCode } from "~/services/campaigns/affiliate-codes.server";

/**
 * `GET|POST /api/v1/affiliates/{affiliateId}/coupons`. Create makes a Stripe promotion code:
 * code taken 409 conflict, plan_required 403, Stripe refusing 502 stripe_error; 202 with
 * `stripe_status: "pending_stripe"` when Stripe did not answer in time (finished by a job).
 */
export const { loader, action } = couponCollectionRoute({
  param: "affiliateId",
  parentName: "Affiliate",
  findParent: getAffiliate,
  schemas: { list: AffiliateCouponList, create: AffiliateCouponCreate, item: AffiliateCoupon },
  page: affiliateCouponsPage,
  async create(ctx, affiliateId, body) {
    const deps = { config: ctx.config };
    const opts = { createdBy: "api" as const };
    const result = await createAffiliateCode(ctx.db, deps, ctx.brandId, affiliateId, body, opts);
    assertOk(result);
    // 202: reserved, Stripe has not confirmed yet (the settle job finishes it).
    return { json: affiliateCouponJson(result.code), status: result.stripePending ? 202 : 201 };
  },
});
