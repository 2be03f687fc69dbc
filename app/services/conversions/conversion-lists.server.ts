/**
 * Lists and by-id reads of a brand's conversions, all built on conversion-base: the REST API's
 * pages and by-id JSON, the dashboard's table (keyset-paged both ways, with names and the masked
 * customer), and the small reads around it (empty state, affiliate filter picker).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { mapPage, type Page, type PageParams, paginate } from "~/db/keyset.server";
import type { ConversionRow } from "~/db/schema";
import type { AttributionMethod, ConversionStatus } from "~/domain/conversion-enums";
import { conversionJson, type ConversionJson } from "~/domain/conversion-json";
import { type ConversionFilterSet, customerLabel } from "~/domain/conversion-report";
import {
  conversionRowById,
  conversionsWithNames,
  conversionMoney,
  cursorTs,
  filteredConversions,
  type KeysetRequest,
  keysetPage,
  MONEY_COLUMNS,
} from "./conversion-base.server";

// ---------------------------------------------------------------------------------------------
// REST API and by-id

/** `GET /api/v1/conversions`: a page of the contract's JSON, newest first. */
export async function listConversionsApiPage(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  page: PageParams,
): Promise<Page<ConversionJson>> {
  const rows = await paginate(
    filteredConversions(db, brandId, filters).selectAll("conversions"),
    "conversions",
    page,
  );
  return mapPage(rows as Page<ConversionRow>, conversionJson);
}

/** `GET /api/v1/conversions/{id}`: the contract's JSON, or null (unknown / another brand's). */
export async function getConversionApi(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionJson | null> {
  const row = await conversionRowById(db, brandId, id);
  return row ? conversionJson(row) : null;
}

/** One of the brand's conversions as stored (null: unknown, malformed or another brand's id). */
export const getConversion = conversionRowById;

export interface ConversionPage {
  rows: ConversionRow[];
  hasMore: boolean;
  /** Pass back as `after` for the next page. */
  next: { createdAt: Date; id: string } | null;
}

/** Stored rows, newest first, keyset-paginated on (created_at, id) (scripts and tests). */
export async function listConversions(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet = {},
  page: { limit?: number; after?: { createdAt: Date; id: string } | null } = {},
): Promise<ConversionPage> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 100);
  let q = filteredConversions(db, brandId, filters).selectAll("conversions");
  if (page.after) {
    const after = page.after;
    q = q.where(
      sql<boolean>`(conversions.created_at, conversions.id) < (${after.createdAt}, ${after.id}::uuid)`,
    );
  }
  const rows = await q
    .orderBy("conversions.created_at", "desc")
    .orderBy("conversions.id", "desc")
    .limit(limit + 1)
    .execute();
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return {
    rows: data,
    hasMore,
    next: hasMore && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Dashboard list

export interface ConversionListItem {
  id: string;
  occurredAt: string;
  createdAt: string;
  campaignId: string | null;
  campaignName: string | null;
  affiliateId: string | null;
  affiliateName: string | null;
  attributionMethod: AttributionMethod;
  couponCode: string | null;
  amount: number;
  refundedAmount: number;
  commissionAmount: number;
  currency: string;
  status: ConversionStatus;
  customer: string;
}

export interface ConversionItemsPage {
  items: ConversionListItem[];
  /** Cursor for the "Older" link (null: this is the oldest page). */
  older: string | null;
  /** Cursor for the "Newer" link (null: this is the newest page). */
  newer: string | null;
}

/**
 * The dashboard's table: newest first, keyset-paginated on (created_at, id) in both directions,
 * so pages stay stable while new conversions arrive.
 */
export async function listConversionItems(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  req: KeysetRequest,
): Promise<ConversionItemsPage> {
  const q = conversionsWithNames(db, brandId, filters).select([
    "conversions.id",
    "conversions.occurred_at",
    "conversions.created_at",
    "conversions.campaign_id",
    "campaigns.name as campaign_name",
    "conversions.affiliate_id",
    "affiliates.name as affiliate_name",
    "conversions.attribution_method",
    "conversions.coupon_code",
    ...MONEY_COLUMNS,
    "conversions.stripe_customer_id",
    "conversions.external_id",
    cursorTs.as("cursor_ts"),
  ]);
  const { rows, older, newer } = await keysetPage(q, req);
  return {
    items: rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at.toISOString(),
      createdAt: r.created_at.toISOString(),
      campaignId: r.campaign_id,
      campaignName: r.campaign_name,
      affiliateId: r.affiliate_id,
      affiliateName: r.affiliate_name,
      attributionMethod: r.attribution_method,
      couponCode: r.coupon_code,
      ...conversionMoney(r),
      customer: customerLabel(r),
    })),
    older,
    newer,
  };
}

/** Whether the brand has recorded any conversion yet (first-run empty state). */
export async function hasAnyConversion(db: DB, brandId: string): Promise<boolean> {
  const row = await filteredConversions(db, brandId)
    .select("conversions.id")
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** The brand's affiliates for the filter picker (id and name, by name). */
export async function affiliateOptions(
  db: DB,
  brandId: string,
  limit = 500,
): Promise<{ id: string; name: string; email: string }[]> {
  return db
    .selectFrom("affiliates")
    .select(["id", "name", "email"])
    .where("brand_id", "=", brandId)
    .orderBy("name")
    .orderBy("id")
    .limit(limit)
    .execute();
}
