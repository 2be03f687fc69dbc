import { assertOk, notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { pageParams } from "~/api/pagination.server";
import {
  AffiliateCoupon,
  AffiliateCouponCreate,
  AffiliateCouponList,
  PageQuery,
} from "~/api/schemas";
import { affiliateCouponJson } from "~/api/serializers/coupons.server";
import { createAffiliateCode } from "~/services/campaigns/affiliate-codes.server";
import { getAffiliate } from "~/services/affiliates/affiliate-reads.server";
import { affiliateCouponsPage } from "~/api/coupon-pages.server";

/**
 * `GET|POST /api/v1/affiliates/{affiliateId}/coupons`. Create makes a Stripe promotion code:
 * code taken 409 conflict, plan_required 403, Stripe refusing 502 stripe_error; 202 with
 * `stripe_status: "pending_stripe"` when Stripe did not answer in time (finished by a job).
 */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = pageParams(ctx.query(PageQuery));
    const affiliate = await getAffiliate(ctx.db, ctx.brandId, ctx.params.affiliateId ?? "");
    if (!affiliate) throw notFound("Affiliate");
    return respond(
      AffiliateCouponList,
      await affiliateCouponsPage(ctx.db, ctx.brandId, affiliate.id, page),
    );
  },
  async POST(ctx) {
    const body = ctx.body(AffiliateCouponCreate);
    const result = await createAffiliateCode(
      ctx.db,
      { config: ctx.config },
      ctx.brandId,
      ctx.params.affiliateId ?? "",
      body,
      { createdBy: "api" },
    );
    assertOk(result);
    // 202: reserved, Stripe has not confirmed yet (the settle job finishes it).
    return respond(
      AffiliateCoupon,
      affiliateCouponJson(result.code),
      result.stripePending ? 202 : 201,
    );
  },
});
