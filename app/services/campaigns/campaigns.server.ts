/**
 * Campaign use-cases for the brand UI, the REST API and jobs. Every function is scoped by brand:
 * another brand's id behaves exactly like an unknown id.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { Campaign } from "~/db/schema";
import {
  campaignColumns,
  campaignInputSchema,
  type CampaignInput,
  isValidSlug,
  slugCandidate,
  slugify,
} from "~/domain/campaign";
import { encodeReadableCode } from "~/domain/codes";
import { isUuid } from "~/domain/ids";
import { inTransaction } from "~/db/tx.server";

export {
  campaignFormSchema,
  campaignInputSchema,
  parseCampaignForm,
  type CampaignInput,
} from "~/domain/campaign";

export type CampaignWithCounts = Campaign & { affiliate_count: number };

export async function listCampaigns(db: DB, brandId: string): Promise<CampaignWithCounts[]> {
  return db
    .selectFrom("campaigns")
    .selectAll("campaigns")
    .select((eb) =>
      eb
        .selectFrom("enrollments")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("enrollments.campaign_id", "=", "campaigns.id")
        .as("affiliate_count"),
    )
    .where("campaigns.brand_id", "=", brandId)
    .orderBy("campaigns.created_at", "desc")
    .orderBy("campaigns.id")
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, affiliate_count: Number(r.affiliate_count ?? 0) })));
}

/** The brand's campaign, or undefined (unknown id, malformed id, or another brand's campaign). */
export async function getCampaign(
  db: DB,
  brandId: string,
  id: string,
): Promise<CampaignWithCounts | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom("campaigns")
    .selectAll("campaigns")
    .select((eb) =>
      eb
        .selectFrom("enrollments")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("enrollments.campaign_id", "=", "campaigns.id")
        .as("affiliate_count"),
    )
    .where("campaigns.brand_id", "=", brandId)
    .where("campaigns.id", "=", id)
    .executeTakeFirst();
  return row ? { ...row, affiliate_count: Number(row.affiliate_count ?? 0) } : undefined;
}

export type PublicCampaign = Campaign & { brand_name: string };

/** A campaign by its public join slug, with its brand's name (the join page is public). */
export async function getCampaignBySlug(db: DB, slug: string): Promise<PublicCampaign | undefined> {
  if (!isValidSlug(slug)) return undefined;
  return db
    .selectFrom("campaigns")
    .innerJoin("brands", "brands.id", "campaigns.brand_id")
    .selectAll("campaigns")
    .select("brands.name as brand_name")
    .where("campaigns.slug", "=", slug)
    .executeTakeFirst();
}

/**
 * Create a campaign with a unique slug derived from its name ("acme-partners", "acme-partners-2",
 * ...). The slug is the public join link and never changes afterwards.
 */
export async function createCampaign(
  db: DB,
  brandId: string,
  input: CampaignInput,
): Promise<Campaign> {
  const values = campaignColumns(campaignInputSchema.parse(input));
  const base = slugify(values.name);
  return inTransaction(db, async (trx) => {
    const taken = new Set(
      (
        await trx
          .selectFrom("campaigns")
          .select("slug")
          .where("slug", "like", `${base.replace(/[\\%_]/g, "\\$&")}%`)
          .execute()
      ).map((r) => r.slug),
    );
    let n = 1;
    while (taken.has(slugCandidate(base, n))) n++;
    for (let attempt = 0; attempt < 10; attempt++) {
      const slug =
        attempt === 0
          ? slugCandidate(base, n)
          : `${base.slice(0, 40)}-${encodeReadableCode(randomBytes(6))}`;
      const row = await trx
        .insertInto("campaigns")
        .values({ ...values, brand_id: brandId, slug })
        .onConflict((oc) => oc.column("slug").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row) return row;
    }
    throw new Error("Could not find a free campaign slug");
  });
}

/** Update the brand's campaign; undefined when it is not the brand's. The slug is kept. */
export async function updateCampaign(
  db: DB,
  brandId: string,
  id: string,
  input: CampaignInput,
): Promise<Campaign | undefined> {
  if (!isUuid(id)) return undefined;
  const values = campaignColumns(campaignInputSchema.parse(input));
  return db
    .updateTable("campaigns")
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** Delete the brand's campaign and (by cascade) its enrollments. False when it is not the brand's. */
export async function deleteCampaign(db: DB, brandId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db
    .deleteFrom("campaigns")
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
