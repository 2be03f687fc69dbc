/**
 * The two session-auth JSON coupon resources (`/api/campaigns/:campaignId/coupons` and
 * `/api/affiliates/:affiliateId/coupons`) share one shape: `GET` lists the rows under a parent of
 * the caller's brand (another brand's parent answers 404), `POST` creates one with the CSRF header
 * check. Each route names its parent, its rows and its create use-case; this file does the rest.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AppContext } from "~/context.server";
import type { DB } from "~/db/db.server";
import type { CouponError } from "~/domain/coupon";
import {
  couponErrorResponse,
  jsonError,
  methodNotAllowed,
  readJsonMutation,
  requireBrandUserJson,
} from "./session-json.server";

export interface CouponListSpec<Parent extends { id: string }, Row> {
  /** The route param holding the parent's id, e.g. "campaignId". */
  param: string;
  /** The 404 message when the parent is unknown or another brand's, e.g. "Campaign not found.". */
  notFound: string;
  findParent(db: DB, brandId: string, id: string): Promise<Parent | undefined>;
  listRows(db: DB, brandId: string, parentId: string): Promise<Row[]>;
  toJson(row: Row): unknown;
}

export type CreateOutcome =
  { ok: false; error: CouponError } | { ok: true; json: unknown; status: number };

/** `GET`: one page holding every row (`has_more: false`), in the REST API's list shape. */
export async function listUnderParent<Parent extends { id: string }, Row>(
  { request, params, context }: LoaderFunctionArgs,
  spec: CouponListSpec<Parent, Row>,
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
export async function createUnderParent(
  { request, params, context }: ActionFunctionArgs,
  param: string,
  create: (
    ctx: AppContext,
    brandId: string,
    parentId: string,
    body: Record<string, unknown>,
  ) => Promise<CreateOutcome>,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const { brand } = await requireBrandUserJson(request, context);
  const body = await readJsonMutation(request);
  const outcome = await create(
    context,
    brand.id,
    params[param] ?? "",
    (body ?? {}) as Record<string, unknown>,
  );
  if (!outcome.ok) return couponErrorResponse(outcome.error);
  return Response.json(outcome.json, { status: outcome.status });
}
