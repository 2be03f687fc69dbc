/** Affiliates over /api/v1: the JSON shape (with the referral link) and the paginated list. */
import { sql } from "kysely";
import type { z } from "zod";
import type { DB } from "~/db/db.server";
import type { Affiliate as AffiliateRow } from "~/db/schema";
import { referralUrl } from "~/domain/campaign";
import { isUuid } from "~/domain/ids";
import { invitationState } from "~/domain/invitations";
import { type Page, type PageParams, mapPage, paginate } from "./pagination.server";
import type { Affiliate } from "./schemas";

export type AffiliateJson = z.output<typeof Affiliate>;

type AffiliateWithLink = AffiliateRow & { link_code: string | null };

export function affiliateJson(row: AffiliateWithLink, appUrl: string): AffiliateJson {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    parent_affiliate_id: row.parent_affiliate_id,
    link: row.link_code ? { code: row.link_code, url: referralUrl(appUrl, row.link_code) } : null,
    invitation: invitationState(row),
    created_at: row.created_at.toISOString(),
  };
}

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
