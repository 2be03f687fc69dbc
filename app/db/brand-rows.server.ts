/**
 * One row of a brand-scoped table by id: the read behind every `getX(db, brandId, id)`. A
 * malformed id, an unknown id and another brand's id all answer undefined. `live` leaves out
 * soft-deleted rows (tables with `deleted_at`).
 */
import type { Selectable } from "kysely";
import { sql } from "kysely";
import { isUuid } from "../domain/ids";
import type { DB } from "./db.server";
import type { Database } from "./schema";

type BrandTable = "affiliates" | "affiliate_coupons" | "campaign_coupons";

export async function brandRowById<T extends BrandTable>(
  db: DB,
  table: T,
  brandId: string,
  id: string,
  opts: { live?: boolean } = {},
): Promise<Selectable<Database[T]> | undefined> {
  if (!isUuid(id)) return undefined;
  // The tables share `brand_id` and `id`; typed through one of them.
  let q = db
    .selectFrom(table as "affiliates")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id);
  if (opts.live) q = q.where(sql<boolean>`deleted_at is null`);
  return (await q.executeTakeFirst()) as Selectable<Database[T]> | undefined;
}
