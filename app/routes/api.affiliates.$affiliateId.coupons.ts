import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import {
  affiliateCouponJson,
  createAffiliateCode,
  listAffiliateCodes,
  type AffiliateCouponCreateInput,
} from "~/services/campaigns/affiliate-codes.server";
import { getAffiliate } from "~/services/affiliates/affiliates.server";
import {
  couponErrorResponse,
  jsonError,
  methodNotAllowed,
  readJsonMutation,
  requireBrandUserJson,
} from "~/api/session-json.server";

/**
 * Session-auth JSON: `GET` lists the affiliate's codes, `POST {campaign_coupon_id, code?,
 * commission_rate_percent?}` creates one (CSRF token in the `X-CSRF-Token` header). Another
 * brand's affiliate -> 404.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUserJson(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) return jsonError("not_found", "Affiliate not found.");
  const rows = await listAffiliateCodes(context.db, brand.id, affiliate.id);
  return Response.json({ data: rows.map(affiliateCouponJson), has_more: false, next_cursor: null });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const { brand } = await requireBrandUserJson(request, context);
  const body = await readJsonMutation(request);
  const result = await createAffiliateCode(
    context.db,
    { config: context.config },
    brand.id,
    params.affiliateId ?? "",
    (body ?? {}) as AffiliateCouponCreateInput,
    { createdBy: "brand" },
  );
  if (!result.ok) return couponErrorResponse(result.error);
  return Response.json(affiliateCouponJson(result.code), {
    status: result.stripePending ? 202 : 201,
  });
}
