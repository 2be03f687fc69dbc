/** Affiliates over /api/v1: by id and the paginated list, with the referral link. */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { isUuid } from "~/domain/ids";
import { type Page, type PageParams, mapPage, paginate } from "./pagination.server";
import { affiliateJson, type AffiliateJson } from "./serializers/affiliates.server";

function withLink(db: DB, brandId: string) {
  return db
    .selectFrom("affiliates")
    .selectAll("affiliates")
    .select(
      sql<
        string | null
      >`(select e.link_code from enrollments e where e.affiliate_id = affiliates.id and e.brand_id = affiliates.brand_id order by e.created_at, e.id limit 1)`.as(
        "link_code",
      ),
    )
    .where("affiliates.brand_id", "=", brandId);
}

export async function getAffiliateJson(
  db: DB,
  brandId: string,
  id: string,
  appUrl: string,
): Promise<AffiliateJson | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await withLink(db, brandId).where("affiliates.id", "=", id).executeTakeFirst();
  return row ? affiliateJson(row, appUrl) : undefined;
}

export async function listAffiliatesPage(
  db: DB,
  brandId: string,
  page: PageParams,
  appUrl: string,
): Promise<Page<AffiliateJson>> {
  const rows = await paginate(withLink(db, brandId), "affiliates", page);
  return mapPage(rows, (r) => affiliateJson(r, appUrl));
}
