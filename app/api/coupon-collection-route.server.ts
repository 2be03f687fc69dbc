/**
 * The two `/api/v1` coupon collections (`/campaigns/{campaignId}/coupons` and
 * `/affiliates/{affiliateId}/coupons`) share one shape: `GET` pages the rows under a parent of the
 * caller's brand (another brand's parent answers 404), `POST` creates one. A route file names the
 * parent, the page read and the create.
 */
import type { DB } from "~/db/db.server";
import type { PageParams } from "~/db/keyset.server";
import { notFound } from "./errors";
import { type ApiContext, apiRoute, type ApiRoute } from "./handler.server";
import { pageParams } from "./pagination.server";
import { PageQuery } from "./schemas";

export interface CouponCollectionSpec<Parent extends { id: string }> {
  /** The route param holding the parent's id. */
  param: "campaignId" | "affiliateId";
  /** The resource named in the 404, e.g. "Campaign". */
  parentName: string;
  findParent(db: DB, brandId: string, id: string): Promise<Parent | undefined>;
  /** The page of rows under the parent, as the response. */
  listPage(ctx: ApiContext, parent: Parent, page: PageParams): Promise<Response>;
  /** Create a row under the parent id from the route (the use-case checks the parent itself). */
  create(ctx: ApiContext, parentId: string): Promise<Response>;
}

export function couponCollectionRoute<Parent extends { id: string }>(
  spec: CouponCollectionSpec<Parent>,
): ApiRoute {
  return apiRoute({
    async GET(ctx) {
      const page = pageParams(ctx.query(PageQuery));
      const parent = await spec.findParent(ctx.db, ctx.brandId, ctx.params[spec.param] ?? "");
      if (!parent) throw notFound(spec.parentName);
      return spec.listPage(ctx, parent, page);
    },
    POST(ctx) {
      return spec.create(ctx, ctx.params[spec.param] ?? "");
    },
  });
}
