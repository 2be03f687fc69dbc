/**
 * Session-auth JSON: `GET` lists the affiliate's codes, `POST {campaign_coupon_id, code?,
 * commission_rate_percent?}` creates one (CSRF token in the `X-CSRF-Token` header). Another
 * brand's affiliate -> 404. A code Stripe has not confirmed yet answers 202.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { createUnderParent, listUnderParent } from "~/api/session-coupon-resource.server";
import { getAffiliate } from "~/services/affiliates/affiliates.server";
import {
  affiliateCouponJson,
  createAffiliateCode,
  listAffiliateCodes,
  type AffiliateCouponCreateInput,
} from "~/services/campaigns/affiliate-codes.server";

export const loader = (args: LoaderFunctionArgs) =>
  listUnderParent(args, {
    param: "affiliateId",
    notFound: "Affiliate not found.",
    findParent: getAffiliate,
    listRows: listAffiliateCodes,
    toJson: affiliateCouponJson,
  });

export const action = (args: ActionFunctionArgs) =>
  createUnderParent(args, "affiliateId", async (ctx, brandId, affiliateId, body) => {
    const deps = { config: ctx.config };
    const input = body as AffiliateCouponCreateInput;
    const result = await createAffiliateCode(ctx.db, deps, brandId, affiliateId, input, {
      createdBy: "brand",
    });
    if (!result.ok) return result;
    return {
      ok: true,
      json: affiliateCouponJson(result.code),
      status: result.stripePending ? 202 : 201,
    };
  });
