/**
 * The two `/api/v1` coupon collections (`/campaigns/{campaignId}/coupons` and
 * `/affiliates/{affiliateId}/coupons`) share one shape: `GET` pages the rows under a parent of the
 * caller's brand (another brand's parent answers 404), `POST` creates one. A route file names the
 * parent, the schemas, the page read and the create.
 */
import type { z } from "zod";
import type { DB } from "~/db/db.server";
import type { PageParams } from "~/db/keyset.server";
import { notFound } from "./errors";
import { type ApiContext, apiRoute, type ApiRoute, respond } from "./handler.server";
import { pageParams } from "./pagination.server";
import { PageQuery } from "./schemas";

export interface CouponCollectionSpec<
  Parent extends { id: string },
  List extends z.ZodType,
  Create extends z.ZodType,
  Item extends z.ZodType,
> {
  /** The route param holding the parent's id. */
  param: "campaignId" | "affiliateId";
  /** The resource named in the 404, e.g. "Campaign". */
  parentName: string;
  findParent(db: DB, brandId: string, id: string): Promise<Parent | undefined>;
  schemas: { list: List; create: Create; item: Item };
  /** The page of rows under the parent. */
  page(db: DB, brandId: string, parentId: string, page: PageParams): Promise<z.output<List>>;
  /** Create a row under the route's parent id (the use-case checks the parent itself). */
  create(
    ctx: ApiContext,
    parentId: string,
    body: z.output<Create>,
  ): Promise<{ json: z.output<Item>; status: number }>;
}

export function couponCollectionRoute<
  Parent extends { id: string },
  List extends z.ZodType,
  Create extends z.ZodType,
  Item extends z.ZodType,
>(spec: CouponCollectionSpec<Parent, List, Create, Item>): ApiRoute {
  return apiRoute({
    async GET(ctx) {
      const page = pageParams(ctx.query(PageQuery));
      const parent = await spec.findParent(ctx.db, ctx.brandId, ctx.params[spec.param] ?? "");
      if (!parent) throw notFound(spec.parentName);
      return respond(spec.schemas.list, await spec.page(ctx.db, ctx.brandId, parent.id, page));
    },
    async POST(ctx) {
      const body = ctx.body(spec.schemas.create);
      const { json, status } = await spec.create(ctx, ctx.params[spec.param] ?? "", body);
      return respond(spec.schemas.item, json, status);
    },
  });
}
