/**
 * The two session-auth JSON coupon resources (`/api/campaigns/:campaignId/coupons` and
 * `/api/affiliates/:affiliateId/coupons`) share one shape: `GET` lists the rows under a parent of
 * the caller's brand (another brand's parent answers 404), `POST` creates one with the CSRF header
 * check. `RESOURCES` names each one's parent, rows and create use-case; a route file is one line.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AppContext } from "~/context.server";
import type { DB } from "~/db/db.server";
import type { CouponError } from "~/domain/coupon";
import { getAffiliate } from "~/services/affiliates/affiliate-reads.server";
import { affiliateCouponJson } from "~/api/serializers/coupons.server";
import {
  createAffiliateCode,
  type AffiliateCouponCreateInput,
} from "~/services/campaigns/affiliate-codes.server";
import { listAffiliateCodes } from "~/services/campaigns/affiliate-code-reads.server";
import { campaignCouponJson } from "~/api/serializers/coupons.server";
import {
  createCampaignCoupon,
  type CampaignCouponCreateInput,
} from "~/services/campaigns/campaign-coupons.server";
import { listCampaignCoupons } from "~/services/campaigns/campaign-coupon-reads.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";
import {
  couponErrorResponse,
  jsonError,
  methodNotAllowed,
  readJsonMutation,
  requireBrandUserJson,
} from "./session-json.server";

interface ResourceSpec<Parent extends { id: string }, Row> {
  /** The route param holding the parent's id, e.g. "campaignId". */
  param: string;
  /** The 404 message when the parent is unknown or another brand's, e.g. "Campaign not found.". */
  notFound: string;
  findParent(db: DB, brandId: string, id: string): Promise<Parent | undefined>;
  listRows(db: DB, brandId: string, parentId: string): Promise<Row[]>;
  toJson(row: Row): unknown;
  create(
    ctx: AppContext,
    brandId: string,
    parentId: string,
    body: Record<string, unknown>,
  ): Promise<CreateOutcome>;
}

type CreateOutcome =
  { ok: false; error: CouponError } | { ok: true; json: unknown; status: number };

/** `GET`: one page holding every row (`has_more: false`), in the REST API's list shape. */
async function listUnderParent<Parent extends { id: string }, Row>(
  { request, params, context }: LoaderFunctionArgs,
  spec: ResourceSpec<Parent, Row>,
): Promise<Response> {
  const { brand } = await requireBrandUserJson(request, context);
  const parent = await spec.findParent(context.db, brand.id, params[spec.param] ?? "");
  if (!parent) return jsonError("not_found", spec.notFound);
  const rows = await spec.listRows(context.db, brand.id, parent.id);
  return Response.json({
    data: rows.map((row) => spec.toJson(row)),
    has_more: false,
    next_cursor: null,
  });
}

/** `POST` (the only mutation): CSRF header, JSON body, then the route's create use-case. */
async function createUnderParent<Parent extends { id: string }, Row>(
  { request, params, context }: ActionFunctionArgs,
  spec: ResourceSpec<Parent, Row>,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const { brand } = await requireBrandUserJson(request, context);
  const body = await readJsonMutation(request);
  const outcome = await spec.create(
    context,
    brand.id,
    params[spec.param] ?? "",
    (body ?? {}) as Record<string, unknown>,
  );
  if (!outcome.ok) return couponErrorResponse(outcome.error);
  return Response.json(outcome.json, { status: outcome.status });
}

const campaignCoupons: ResourceSpec<{ id: string }, Parameters<typeof campaignCouponJson>[0]> = {
  param: "campaignId",
  notFound: "Campaign not found.",
  findParent: getCampaign,
  listRows: listCampaignCoupons,
  toJson: campaignCouponJson,
  async create(ctx, brandId, campaignId, body) {
    const input = body as CampaignCouponCreateInput;
    const result = await createCampaignCoupon(ctx.db, ctx, brandId, campaignId, input);
    return result.ok ? { ok: true, json: campaignCouponJson(result.coupon), status: 201 } : result;
  },
};

/** A code Stripe has not confirmed yet answers 202. */
const affiliateCodes: ResourceSpec<{ id: string }, Parameters<typeof affiliateCouponJson>[0]> = {
  param: "affiliateId",
  notFound: "Affiliate not found.",
  findParent: getAffiliate,
  listRows: listAffiliateCodes,
  toJson: affiliateCouponJson,
  async create(ctx, brandId, affiliateId, body) {
    const input = body as AffiliateCouponCreateInput;
    const by = { createdBy: "brand" as const };
    const result = await createAffiliateCode(ctx.db, ctx, brandId, affiliateId, input, by);
    if (!result.ok) return result;
    const status = result.stripePending ? 202 : 201;
    return { ok: true, json: affiliateCouponJson(result.code), status };
  },
};

/** The route module exports (`loader`, `action`) of one of the two resources. */
export function sessionCouponResource(kind: "campaign_coupons" | "affiliate_codes") {
  const spec: ResourceSpec<{ id: string }, never> = (
    kind === "campaign_coupons" ? campaignCoupons : affiliateCodes
  ) as ResourceSpec<{ id: string }, never>;
  return {
    loader: (args: LoaderFunctionArgs) => listUnderParent(args, spec),
    action: (args: ActionFunctionArgs) => createUnderParent(args, spec),
  };
}
