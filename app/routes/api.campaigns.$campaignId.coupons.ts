import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import {
  campaignCouponJson,
  createCampaignCoupon,
  listCampaignCoupons,
  type CampaignCouponCreateInput,
} from "~/services/campaigns/campaign-coupons.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";
import {
  couponErrorResponse,
  jsonError,
  methodNotAllowed,
  readJsonMutation,
  requireBrandUserJson,
} from "~/api/session-json.server";

/**
 * Session-auth JSON: `GET` lists the campaign's coupons, `POST` creates one (body as in the REST
 * API; CSRF token in the `X-CSRF-Token` header). Another brand's campaign -> 404.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUserJson(request, context);
  const campaign = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!campaign) return jsonError("not_found", "Campaign not found.");
  const rows = await listCampaignCoupons(context.db, brand.id, campaign.id);
  return Response.json({ data: rows.map(campaignCouponJson), has_more: false, next_cursor: null });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const { brand } = await requireBrandUserJson(request, context);
  const body = await readJsonMutation(request);
  const result = await createCampaignCoupon(
    context.db,
    { config: context.config },
    brand.id,
    params.campaignId ?? "",
    (body ?? {}) as CampaignCouponCreateInput,
  );
  if (!result.ok) return couponErrorResponse(result.error);
  return Response.json(campaignCouponJson(result.coupon), { status: 201 });
}
