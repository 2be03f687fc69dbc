/**
 * The one base query every conversion read is built on (dashboard list, REST API, totals and
 * series, CSV export, decision record, portal): the brand's conversions with the filters
 * applied, the by-id read, the names join, and keyset paging in both directions. Every query is
 * scoped to the caller's brand.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import type { DB } from "~/db/db.server";
import { type Cursor, decodeCursor, encodeCursor } from "~/db/keyset.server";
import type { ConversionRow, Database } from "~/db/schema";
import type { ConversionStatus } from "~/domain/conversion-enums";
import type { ConversionFilterSet } from "~/domain/conversion-report";
import { isUuid } from "~/domain/ids";

export type { ConversionFilterSet } from "~/domain/conversion-report";

/** Microsecond-exact `created_at` for keyset cursors (JS Dates keep only milliseconds). */
export const cursorTs = sql<string>`to_char(conversions.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Whose conversions a read sees: one brand's (dashboard, REST API, CSV), or the rows credited to
 * the signed-in affiliate's own affiliate rows across brands (portal; only valid uuids).
 */
export type ConversionScope = { brandId: string } | { affiliateIds: string[] };

/** The base query: the scope's conversions with the filters applied (no select list, no order). */
export function scopedConversions(db: DB, scope: ConversionScope, f: ConversionFilterSet = {}) {
  let q = db.selectFrom("conversions");
  q =
    "brandId" in scope
      ? q.where("conversions.brand_id", "=", scope.brandId)
      : q.where("conversions.affiliate_id", "in", scope.affiliateIds);
  if (f.attribution_method)
    q = q.where("conversions.attribution_method", "=", f.attribution_method);
  if (f.affiliate_id !== undefined) {
    // A malformed id matches nothing (the API validates it before getting here).
    q = isUuid(f.affiliate_id)
      ? q.where("conversions.affiliate_id", "=", f.affiliate_id)
      : q.where(sql<boolean>`false`);
  }
  if (f.status) q = q.where("conversions.status", "=", f.status);
  if (f.created_gte) q = q.where("conversions.created_at", ">=", new Date(f.created_gte));
  if (f.created_lt) q = q.where("conversions.created_at", "<", new Date(f.created_lt));
  if (f.coupon_code) q = q.where("conversions.coupon_code", "=", f.coupon_code);
  return q;
}

/** The brand's conversions with the filters applied (no select list, no order). */
export function filteredConversions(db: DB, brandId: string, f: ConversionFilterSet = {}) {
  return scopedConversions(db, { brandId }, f);
}

/** One of the brand's conversions, every column (a malformed or another brand's id: null). */
export async function conversionRowById(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionRow | null> {
  if (!isUuid(id)) return null;
  const row = await filteredConversions(db, brandId)
    .selectAll("conversions")
    .where("conversions.id", "=", id)
    .executeTakeFirst();
  return row ?? null;
}

/** The brand's filtered conversions with their affiliate's and campaign's rows joined (names). */
export function conversionsWithNames(db: DB, brandId: string, f: ConversionFilterSet = {}) {
  return filteredConversions(db, brandId, f)
    .leftJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "conversions.affiliate_id")
        .onRef("affiliates.brand_id", "=", "conversions.brand_id"),
    )
    .leftJoin("campaigns", (j) =>
      j
        .onRef("campaigns.id", "=", "conversions.campaign_id")
        .onRef("campaigns.brand_id", "=", "conversions.brand_id"),
    );
}

export interface KeysetRequest {
  limit: number;
  /** Rows older than this cursor (the "Older" link). */
  after?: string | null;
  /** Rows newer than this cursor (the "Newer" link). */
  before?: string | null;
}

/** A keyset page: the rows (newest first) and the neighbouring pages' cursors. */
export interface KeysetPage<Row> {
  rows: Row[];
  /** Cursor for the "Older" link (null: this is the oldest page). */
  older: string | null;
  /** Cursor for the "Newer" link (null: this is the newest page). */
  newer: string | null;
}

/** A cursor from a query string; anything malformed is ignored (first page). */
export function parseCursorParam(value: string | null | undefined): Cursor | null {
  return value ? decodeCursor(value) : null;
}

/**
 * One page of a conversions query, newest first, keyset-paginated on (created_at, id) in both
 * directions (`after`: older rows; `before`: newer rows), with the neighbouring pages' cursors.
 * The query must select `conversions.id` and `cursor_ts`.
 */
export async function keysetPage<Row extends { id: string; cursor_ts: string }>(
  q: SelectQueryBuilder<Database, "conversions", Row>,
  req: KeysetRequest,
): Promise<KeysetPage<Row>> {
  const limit = Math.min(Math.max(req.limit, 1), 100);
  const after = parseCursorParam(req.after);
  const before = after ? null : parseCursorParam(req.before);
  if (after) {
    q = q.where(
      sql<boolean>`(conversions.created_at, conversions.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
    );
  } else if (before) {
    q = q.where(
      sql<boolean>`(conversions.created_at, conversions.id) > (${before.createdAt}::timestamptz, ${before.id}::uuid)`,
    );
  }
  const dir = before ? "asc" : "desc";
  const fetched = await q
    .orderBy("conversions.created_at", dir)
    .orderBy("conversions.id", dir)
    .limit(limit + 1)
    .execute();
  const more = fetched.length > limit;
  const rows = fetched.slice(0, limit);
  if (before) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const cursorOf = (r: Row) => encodeCursor({ createdAt: r.cursor_ts, id: r.id });
  return before
    ? { rows, newer: more && first ? cursorOf(first) : null, older: last ? cursorOf(last) : null }
    : {
        rows,
        older: more && last ? cursorOf(last) : null,
        newer: after && first ? cursorOf(first) : null,
      };
}

/** The money and status columns the dashboard and portal lists select (see conversionMoney). */
export const MONEY_COLUMNS = [
  "conversions.amount",
  "conversions.refunded_amount",
  "conversions.commission_amount",
  "conversions.currency",
  "conversions.status",
] as const;

/** The money and status columns of a conversion row as the dashboard and portal lists show them. */
export function conversionMoney(r: {
  amount: number | string;
  refunded_amount: number | string;
  commission_amount: number | string;
  currency: string;
  status: ConversionStatus;
}) {
  return {
    amount: Number(r.amount),
    refundedAmount: Number(r.refunded_amount),
    commissionAmount: Number(r.commission_amount),
    currency: r.currency,
    status: r.status,
  };
}
