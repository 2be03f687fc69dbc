/**
 * Session-auth JSON: `GET` lists the campaign's coupons, `POST` creates one (body as in the REST
 * API; CSRF token in the `X-CSRF-Token` header). Another brand's campaign -> 404.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { createUnderParent, listUnderParent } from "~/api/session-coupon-resource.server";
import {
  campaignCouponJson,
  createCampaignCoupon,
  listCampaignCoupons,
  type CampaignCouponCreateInput,
} from "~/services/campaigns/campaign-coupons.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";

export const loader = (args: LoaderFunctionArgs) =>
  listUnderParent(args, {
    param: "campaignId",
    notFound: "Campaign not found.",
    findParent: getCampaign,
    listRows: listCampaignCoupons,
    toJson: campaignCouponJson,
  });

export const action = (args: ActionFunctionArgs) =>
  createUnderParent(args, "campaignId", async (ctx, brandId, campaignId, body) => {
    const deps = { config: ctx.config };
    const input = body as CampaignCouponCreateInput;
    const result = await createCampaignCoupon(ctx.db, deps, brandId, campaignId, input);
    if (!result.ok) return result;
    return { ok: true, json: campaignCouponJson(result.coupon), status: 201 };
  });
