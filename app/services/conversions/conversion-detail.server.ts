/**
 * The decision record of one conversion ("Why this affiliate?" on the dashboard): the stored row
 * (through the base query's by-id read), its ledger entries and the names of every affiliate and
 * campaign the decision mentions. Brand-scoped.
 */
import type { DB } from "~/db/db.server";
import { conversionJson, type ConversionJson } from "~/domain/conversion-json";
import { isUuid } from "~/domain/ids";
import { conversionRowById } from "./conversion-base.server";

export interface ConversionDetail {
  conversion: ConversionJson & {
    external_id: string | null;
    click_id: string | null;
    override_amount: number;
  };
  campaignName: string | null;
  affiliateName: string | null;
  /** Names of every affiliate the decision mentions (candidates, winner, override parent). */
  affiliateNames: Record<string, string>;
  campaignNames: Record<string, string>;
  ledger: {
    id: string;
    affiliateId: string;
    affiliateName: string | null;
    kind: string;
    amount: number;
    currency: string;
    createdAt: string;
  }[];
}

/** The ledger of one conversion (oldest first). */
export async function conversionLedger(db: DB, brandId: string, conversionId: string) {
  return db
    .selectFrom("commission_entries")
    .select(["id", "affiliate_id", "kind", "amount", "currency", "created_at"])
    .where("brand_id", "=", brandId)
    .where("conversion_id", "=", conversionId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** Every uuid found under `key` anywhere in a decision record. */
function idsIn(value: unknown, key: string, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) idsIn(v, key, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === "string" && isUuid(v)) out.add(v);
      else idsIn(v, key, out);
    }
  }
}

/** id -> name of the brand's affiliates or campaigns among `ids`. */
async function namesOf(
  db: DB,
  table: "affiliates" | "campaigns",
  brandId: string,
  ids: Set<string>,
): Promise<Record<string, string>> {
  if (ids.size === 0) return {};
  const rows = await db
    .selectFrom(table as "affiliates")
    .select(["id", "name"])
    .where("brand_id", "=", brandId)
    .where("id", "in", [...ids])
    .execute();
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

export async function getConversionDetail(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionDetail | null> {
  const row = await conversionRowById(db, brandId, id);
  if (!row) return null;
  const ledger = await conversionLedger(db, brandId, row.id);
  const affiliateIds = new Set<string>();
  idsIn(row.decision, "affiliateId", affiliateIds);
  if (row.affiliate_id) affiliateIds.add(row.affiliate_id);
  for (const e of ledger) affiliateIds.add(e.affiliate_id);
  const campaignIds = new Set<string>();
  idsIn(row.decision, "campaignId", campaignIds);
  if (row.campaign_id) campaignIds.add(row.campaign_id);
  const affiliateNames = await namesOf(db, "affiliates", brandId, affiliateIds);
  const campaignNames = await namesOf(db, "campaigns", brandId, campaignIds);
  return {
    conversion: {
      ...conversionJson(row),
      external_id: row.external_id,
      click_id: row.click_id,
      override_amount: Number(row.override_amount),
    },
    campaignName: row.campaign_id ? (campaignNames[row.campaign_id] ?? null) : null,
    affiliateName: row.affiliate_id ? (affiliateNames[row.affiliate_id] ?? null) : null,
    affiliateNames,
    campaignNames,
    ledger: ledger.map((e) => ({
      id: e.id,
      affiliateId: e.affiliate_id,
      affiliateName: affiliateNames[e.affiliate_id] ?? null,
      kind: e.kind,
      amount: Number(e.amount),
      currency: e.currency,
      createdAt: e.created_at.toISOString(),
    })),
  };
}
