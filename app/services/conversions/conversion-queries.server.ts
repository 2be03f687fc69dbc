/**
 * Read side of conversions for the brand dashboard, the REST API, the CSV export and the
 * affiliate portal: filtered keyset lists, totals per currency, the revenue/commission series by
 * source, per-code stats, the decision record with names, and an affiliate's own conversions and
 * earnings. Every query is scoped to the caller's brand (or to the affiliate rows of the
 * signed-in affiliate user). Sums are per currency, never across currencies.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import {
  type Cursor,
  decodeCursor,
  encodeCursor,
  mapPage,
  type Page,
  type PageParams,
  paginate,
} from "~/api/pagination.server";
import type { DB } from "~/db/db.server";
import type { ConversionRow, Database } from "~/db/schema";
import {
  type AttributionMethod,
  buildSeries,
  type ConversionFilterSet,
  type ConversionStatus,
  type CurrencySeries,
  customerLabel,
  type Granularity,
  granularityFor,
} from "~/domain/conversion-report";
import { isUuid } from "~/domain/ids";
import { conversionJson, type ConversionJson } from "./conversions.server";

export type { ConversionFilterSet } from "~/domain/conversion-report";

/** Microsecond-exact `created_at` for keyset cursors (JS Dates keep only milliseconds). */
const cursorTs = sql<string>`to_char(conversions.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The brand's conversions with the filters applied (no select list, no order). */
export function filteredConversions(db: DB, brandId: string, f: ConversionFilterSet = {}) {
  let q = db.selectFrom("conversions").where("conversions.brand_id", "=", brandId);
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

// ---------------------------------------------------------------------------------------------
// REST API

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

export async function getConversionApi(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionJson | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? conversionJson(row) : null;
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

export interface KeysetRequest {
  limit: number;
  /** Rows older than this cursor (the "Older" link). */
  after?: string | null;
  /** Rows newer than this cursor (the "Newer" link). */
  before?: string | null;
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
async function keysetPage<Row extends { id: string; cursor_ts: string }>(
  q: SelectQueryBuilder<Database, "conversions", Row>,
  req: KeysetRequest,
): Promise<{ rows: Row[]; older: string | null; newer: string | null }> {
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
  const q = filteredConversions(db, brandId, filters)
    .leftJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "conversions.affiliate_id")
        .onRef("affiliates.brand_id", "=", "conversions.brand_id"),
    )
    .leftJoin("campaigns", (j) =>
      j
        .onRef("campaigns.id", "=", "conversions.campaign_id")
        .onRef("campaigns.brand_id", "=", "conversions.brand_id"),
    )
    .select([
      "conversions.id",
      "conversions.occurred_at",
      "conversions.created_at",
      "conversions.campaign_id",
      "campaigns.name as campaign_name",
      "conversions.affiliate_id",
      "affiliates.name as affiliate_name",
      "conversions.attribution_method",
      "conversions.coupon_code",
      "conversions.amount",
      "conversions.refunded_amount",
      "conversions.commission_amount",
      "conversions.currency",
      "conversions.status",
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
      amount: Number(r.amount),
      refundedAmount: Number(r.refunded_amount),
      commissionAmount: Number(r.commission_amount),
      currency: r.currency,
      status: r.status,
      customer: customerLabel(r),
    })),
    older,
    newer,
  };
}

// ---------------------------------------------------------------------------------------------
// Totals and series

export interface CurrencyTotal {
  currency: string;
  count: number;
  amount: number;
  refunded: number;
  /** amount - refunded */
  revenue: number;
  commission: number;
}

const DAY_MS = 86_400_000;

/**
 * How a totals/series read is answered: whole UTC days from `conversion_daily_totals` (kept exact
 * by triggers on conversions, migrations/0009) and the partial days at the edges of a created_at
 * range from `conversions` itself. `null` when a filter is one the rollup does not carry
 * (affiliate, code): then everything comes from `conversions` through its indexes.
 */
interface RollupPlan {
  /** First whole day to read from the rollup (inclusive), YYYY-MM-DD; null = from the start. */
  fromDay: string | null;
  /** Last whole day (exclusive), YYYY-MM-DD; null = to the end. */
  toDay: string | null;
  /** Whether the rollup has any day to contribute (false when the range is within one day). */
  useRollup: boolean;
  /** created_at ranges [gte, lt) read from conversions (the partial days). */
  edges: { gte: string; lt: string }[];
}

const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function rollupPlan(f: ConversionFilterSet): RollupPlan | null {
  if (f.affiliate_id !== undefined || f.coupon_code) return null;
  const gte = f.created_gte ? new Date(f.created_gte).getTime() : null;
  const lt = f.created_lt ? new Date(f.created_lt).getTime() : null;
  const firstDay = gte === null ? null : Math.ceil(gte / DAY_MS) * DAY_MS;
  const endDay = lt === null ? null : Math.floor(lt / DAY_MS) * DAY_MS;
  if (gte !== null && lt !== null && firstDay! >= endDay!) {
    // No whole day inside the range: all of it from conversions.
    return {
      fromDay: null,
      toDay: null,
      useRollup: false,
      edges: [{ gte: new Date(gte).toISOString(), lt: new Date(lt).toISOString() }],
    };
  }
  const edges: RollupPlan["edges"] = [];
  if (gte !== null && gte < firstDay!) {
    edges.push({ gte: new Date(gte).toISOString(), lt: new Date(firstDay!).toISOString() });
  }
  if (lt !== null && endDay! < lt) {
    edges.push({ gte: new Date(endDay!).toISOString(), lt: new Date(lt).toISOString() });
  }
  return {
    fromDay: firstDay === null ? null : dayString(firstDay),
    toDay: endDay === null ? null : dayString(endDay),
    useRollup: true,
    edges,
  };
}

/** The brand's rollup rows for the method/status filters and the whole-day range. */
function rollupRows(db: DB, brandId: string, f: ConversionFilterSet, plan: RollupPlan) {
  let q = db.selectFrom("conversion_daily_totals as d").where("d.brand_id", "=", brandId);
  if (f.attribution_method) q = q.where("d.attribution_method", "=", f.attribution_method);
  if (f.status) q = q.where("d.status", "=", f.status);
  if (plan.fromDay) q = q.where(sql<boolean>`d.day >= ${plan.fromDay}::date`);
  if (plan.toDay) q = q.where(sql<boolean>`d.day < ${plan.toDay}::date`);
  return q;
}

/** Totals of the filtered conversions, one row per currency. */
export async function conversionTotals(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
): Promise<CurrencyTotal[]> {
  const plan = rollupPlan(filters);
  let rows: {
    currency: string;
    count: number;
    amount: number;
    refunded: number;
    commission: number;
  }[];
  if (!plan) {
    rows = await filteredConversions(db, brandId, filters)
      .select([
        "conversions.currency",
        sql<number>`count(*)::int`.as("count"),
        sql<number>`coalesce(sum(conversions.amount), 0)::bigint`.as("amount"),
        sql<number>`coalesce(sum(conversions.refunded_amount), 0)::bigint`.as("refunded"),
        sql<number>`coalesce(sum(conversions.commission_amount), 0)::bigint`.as("commission"),
      ])
      .groupBy("conversions.currency")
      .orderBy("conversions.currency")
      .execute();
  } else {
    // One statement (one snapshot): rollup days + partial-day edges, summed per currency.
    const parts = plan.edges.map((e) =>
      filteredConversions(db, brandId, { ...filters, created_gte: e.gte, created_lt: e.lt })
        .select([
          "conversions.currency",
          sql<number>`count(*)`.as("n"),
          sql<number>`sum(conversions.amount)`.as("amount"),
          sql<number>`sum(conversions.refunded_amount)`.as("refunded"),
          sql<number>`sum(conversions.commission_amount)`.as("commission"),
        ])
        .groupBy("conversions.currency"),
    );
    const rollup = rollupRows(db, brandId, filters, plan)
      .select([
        "d.currency",
        sql<number>`sum(d.conversions)`.as("n"),
        sql<number>`sum(d.amount)`.as("amount"),
        sql<number>`sum(d.refunded_amount)`.as("refunded"),
        sql<number>`sum(d.commission_amount)`.as("commission"),
      ])
      .groupBy("d.currency");
    const sources = [...(plan.useRollup ? [rollup] : []), ...parts];
    let union = sources[0] as typeof rollup;
    for (const p of sources.slice(1)) union = union.unionAll(p as typeof rollup);
    rows = await db
      .selectFrom(union.as("x"))
      .select([
        "x.currency",
        sql<number>`sum(x.n)::bigint`.as("count"),
        sql<number>`coalesce(sum(x.amount), 0)::bigint`.as("amount"),
        sql<number>`coalesce(sum(x.refunded), 0)::bigint`.as("refunded"),
        sql<number>`coalesce(sum(x.commission), 0)::bigint`.as("commission"),
      ])
      .groupBy("x.currency")
      .having(sql<boolean>`sum(x.n) > 0`)
      .orderBy("x.currency")
      .execute();
  }
  return rows.map((r) => ({
    currency: r.currency,
    count: Number(r.count),
    amount: Number(r.amount),
    refunded: Number(r.refunded),
    revenue: Number(r.amount) - Number(r.refunded),
    commission: Number(r.commission),
  }));
}

export interface ConversionSeries {
  granularity: Granularity;
  series: CurrencySeries[];
}

/** Net revenue and commission by source over time (by created_at, like the filters), per currency. */
export async function conversionSeries(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
): Promise<ConversionSeries> {
  // min/max are two index probes (every filter the UI offers has an index leading to created_at).
  const range = await filteredConversions(db, brandId, filters)
    .select([
      sql<Date | null>`min(conversions.created_at)`.as("min"),
      sql<Date | null>`max(conversions.created_at)`.as("max"),
    ])
    .executeTakeFirst();
  if (!range?.min || !range.max) return { granularity: "day", series: [] };
  const from = filters.created_gte ? new Date(filters.created_gte) : new Date(range.min);
  const to = filters.created_lt ? new Date(filters.created_lt) : new Date(range.max);
  const granularity = granularityFor(from, to);
  const plan = rollupPlan(filters);
  const baseBucket = sql<string>`to_char(date_trunc(${granularity}, conversions.created_at at time zone 'UTC'), 'YYYY-MM-DD')`;
  let rows: {
    bucket: string;
    currency: string;
    attribution_method: AttributionMethod;
    revenue: number;
    commission: number;
  }[];
  if (!plan) {
    rows = await filteredConversions(db, brandId, filters)
      .select([
        baseBucket.as("bucket"),
        "conversions.currency",
        "conversions.attribution_method",
        sql<number>`coalesce(sum(conversions.amount - conversions.refunded_amount), 0)::bigint`.as(
          "revenue",
        ),
        sql<number>`coalesce(sum(conversions.commission_amount), 0)::bigint`.as("commission"),
      ])
      .groupBy([sql`1`, "conversions.currency", "conversions.attribution_method"])
      .orderBy(sql`1`)
      .execute();
  } else {
    const parts = plan.edges.map((e) =>
      filteredConversions(db, brandId, { ...filters, created_gte: e.gte, created_lt: e.lt })
        .select([
          baseBucket.as("bucket"),
          "conversions.currency",
          "conversions.attribution_method",
          sql<number>`count(*)`.as("n"),
          sql<number>`sum(conversions.amount - conversions.refunded_amount)`.as("revenue"),
          sql<number>`sum(conversions.commission_amount)`.as("commission"),
        ])
        .groupBy([sql`1`, "conversions.currency", "conversions.attribution_method"]),
    );
    const rollup = rollupRows(db, brandId, filters, plan)
      .select([
        sql<string>`to_char(date_trunc(${granularity}, d.day::timestamp), 'YYYY-MM-DD')`.as(
          "bucket",
        ),
        "d.currency",
        "d.attribution_method",
        sql<number>`sum(d.conversions)`.as("n"),
        sql<number>`sum(d.amount - d.refunded_amount)`.as("revenue"),
        sql<number>`sum(d.commission_amount)`.as("commission"),
      ])
      .groupBy([sql`1`, "d.currency", "d.attribution_method"]);
    const sources = [...(plan.useRollup ? [rollup] : []), ...parts];
    let union = sources[0] as typeof rollup;
    for (const p of sources.slice(1)) union = union.unionAll(p as typeof rollup);
    rows = await db
      .selectFrom(union.as("x"))
      .select([
        "x.bucket",
        "x.currency",
        "x.attribution_method",
        sql<number>`coalesce(sum(x.revenue), 0)::bigint`.as("revenue"),
        sql<number>`coalesce(sum(x.commission), 0)::bigint`.as("commission"),
      ])
      .groupBy(["x.bucket", "x.currency", "x.attribution_method"])
      .having(sql<boolean>`sum(x.n) > 0`)
      .orderBy("x.bucket")
      .execute();
  }
  return {
    granularity,
    series: buildSeries(
      rows.map((r) => ({
        bucket: r.bucket,
        currency: r.currency,
        method: r.attribution_method,
        revenue: Number(r.revenue),
        commission: Number(r.commission),
      })),
      granularity,
    ),
  };
}

/** Whether the brand has recorded any conversion yet (first-run empty state). */
export async function hasAnyConversion(db: DB, brandId: string): Promise<boolean> {
  const row = await db
    .selectFrom("conversions")
    .select("id")
    .where("brand_id", "=", brandId)
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

// ---------------------------------------------------------------------------------------------
// Decision record ("Why this affiliate?")

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

function idsIn(value: unknown, key: string, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) idsIn(v, key, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === "string" && isUuid(v)) out.add(v);
      else idsIn(v, key, out);
    }
  }
}

export async function getConversionDetail(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionDetail | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) return null;
  const ledger = await db
    .selectFrom("commission_entries")
    .select(["id", "affiliate_id", "kind", "amount", "currency", "created_at"])
    .where("brand_id", "=", brandId)
    .where("conversion_id", "=", row.id)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const affiliateIds = new Set<string>();
  idsIn(row.decision, "affiliateId", affiliateIds);
  if (row.affiliate_id) affiliateIds.add(row.affiliate_id);
  for (const e of ledger) affiliateIds.add(e.affiliate_id);
  const campaignIds = new Set<string>();
  idsIn(row.decision, "campaignId", campaignIds);
  if (row.campaign_id) campaignIds.add(row.campaign_id);
  const affiliates = affiliateIds.size
    ? await db
        .selectFrom("affiliates")
        .select(["id", "name"])
        .where("brand_id", "=", brandId)
        .where("id", "in", [...affiliateIds])
        .execute()
    : [];
  const campaigns = campaignIds.size
    ? await db
        .selectFrom("campaigns")
        .select(["id", "name"])
        .where("brand_id", "=", brandId)
        .where("id", "in", [...campaignIds])
        .execute()
    : [];
  const affiliateNames = Object.fromEntries(affiliates.map((a) => [a.id, a.name]));
  const campaignNames = Object.fromEntries(campaigns.map((c) => [c.id, c.name]));
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

// ---------------------------------------------------------------------------------------------
// Per-code stats (affiliate detail page)

export interface CodeStats {
  id: string;
  code: string;
  couponName: string;
  campaignName: string;
  active: boolean;
  deleted: boolean;
  redemptions: number;
  conversions: number;
  /** One row per currency the code's conversions were paid in (empty when none). */
  byCurrency: { currency: string; conversions: number; revenue: number; commission: number }[];
}

/**
 * Each code of the affiliate: Stripe-side redemptions (the code's counter) and the conversions
 * credited to this affiliate through the code — count, net revenue and commission per currency.
 * Deleted codes are listed only when they brought conversions.
 */
export async function affiliateCodeStats(
  db: DB,
  brandId: string,
  affiliateId: string,
): Promise<CodeStats[]> {
  if (!isUuid(affiliateId)) return [];
  const rows = await db
    .selectFrom("affiliate_coupons as ac")
    .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
    .innerJoin("campaigns as cp", "cp.id", "ac.campaign_id")
    .leftJoin("conversions as c", (j) =>
      j
        .onRef("c.affiliate_coupon_id", "=", "ac.id")
        .onRef("c.affiliate_id", "=", "ac.affiliate_id")
        .onRef("c.brand_id", "=", "ac.brand_id"),
    )
    .select([
      "ac.id",
      "ac.code",
      "ac.active",
      "ac.deleted_at",
      "ac.redemption_count",
      "ac.created_at",
      "cc.name as coupon_name",
      "cp.name as campaign_name",
      "c.currency",
      sql<number>`count(c.id)::int`.as("conversions"),
      sql<number>`coalesce(sum(c.amount - c.refunded_amount), 0)::bigint`.as("revenue"),
      sql<number>`coalesce(sum(c.commission_amount), 0)::bigint`.as("commission"),
    ])
    .where("ac.brand_id", "=", brandId)
    .where("ac.affiliate_id", "=", affiliateId)
    .groupBy(["ac.id", "cc.name", "cp.name", "c.currency"])
    .orderBy("ac.created_at", "desc")
    .orderBy("ac.id")
    .orderBy("c.currency")
    .execute();
  const byId = new Map<string, CodeStats>();
  for (const r of rows) {
    let s = byId.get(r.id);
    if (!s) {
      s = {
        id: r.id,
        code: r.code,
        couponName: r.coupon_name,
        campaignName: r.campaign_name,
        active: r.active,
        deleted: r.deleted_at !== null,
        redemptions: Number(r.redemption_count),
        conversions: 0,
        byCurrency: [],
      };
      byId.set(r.id, s);
    }
    if (r.currency) {
      s.conversions += Number(r.conversions);
      s.byCurrency.push({
        currency: r.currency,
        conversions: Number(r.conversions),
        revenue: Number(r.revenue),
        commission: Number(r.commission),
      });
    }
  }
  return [...byId.values()].filter((s) => !s.deleted || s.conversions > 0);
}

// ---------------------------------------------------------------------------------------------
// Affiliate portal: the affiliate's own conversions and earnings

export interface PortalConversion {
  id: string;
  occurredAt: string;
  brandName: string;
  campaignName: string | null;
  attributionMethod: AttributionMethod;
  /** Only the affiliate's own code (never another affiliate's code seen on the same sale). */
  couponCode: string | null;
  amount: number;
  refundedAmount: number;
  commissionAmount: number;
  currency: string;
  status: ConversionStatus;
}

/**
 * Conversions credited to the given affiliate rows (the signed-in affiliate's own), newest first.
 * Only what the affiliate may see: no customer, Stripe or decision data.
 */
export async function listPortalConversions(
  db: DB,
  affiliateIds: string[],
  req: KeysetRequest,
): Promise<{ items: PortalConversion[]; older: string | null; newer: string | null }> {
  const ids = affiliateIds.filter(isUuid);
  if (ids.length === 0) return { items: [], older: null, newer: null };
  const q = db
    .selectFrom("conversions")
    .innerJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "conversions.affiliate_id")
        .onRef("affiliates.brand_id", "=", "conversions.brand_id"),
    )
    .innerJoin("brands", "brands.id", "conversions.brand_id")
    .leftJoin("campaigns", "campaigns.id", "conversions.campaign_id")
    .leftJoin("affiliate_coupons as own_code", (j) =>
      j
        .onRef("own_code.id", "=", "conversions.affiliate_coupon_id")
        .onRef("own_code.affiliate_id", "=", "conversions.affiliate_id"),
    )
    .select([
      "conversions.id",
      "conversions.occurred_at",
      "brands.name as brand_name",
      "campaigns.name as campaign_name",
      "conversions.attribution_method",
      "own_code.code as own_code",
      "conversions.amount",
      "conversions.refunded_amount",
      "conversions.commission_amount",
      "conversions.currency",
      "conversions.status",
      cursorTs.as("cursor_ts"),
    ])
    .where("conversions.affiliate_id", "in", ids);
  const { rows, older, newer } = await keysetPage(q, req);
  return {
    items: rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at.toISOString(),
      brandName: r.brand_name,
      campaignName: r.campaign_name,
      attributionMethod: r.attribution_method,
      couponCode: r.attribution_method === "coupon" ? r.own_code : null,
      amount: Number(r.amount),
      refundedAmount: Number(r.refunded_amount),
      commissionAmount: Number(r.commission_amount),
      currency: r.currency,
      status: r.status,
    })),
    older,
    newer,
  };
}

export interface PortalEarnings {
  brandName: string;
  currency: string;
  commission: number;
  overrides: number;
  clawbacks: number;
  net: number;
}

/** The affiliate's ledger per brand and currency: commissions, sub-affiliate overrides, clawbacks. */
export async function portalEarnings(db: DB, affiliateIds: string[]): Promise<PortalEarnings[]> {
  const ids = affiliateIds.filter(isUuid);
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("commission_entries as e")
    .innerJoin("affiliates as a", (j) =>
      j.onRef("a.id", "=", "e.affiliate_id").onRef("a.brand_id", "=", "e.brand_id"),
    )
    .innerJoin("brands as b", "b.id", "e.brand_id")
    .select([
      "b.name as brand_name",
      "e.currency",
      sql<number>`coalesce(sum(e.amount) filter (where e.kind = 'commission'), 0)::bigint`.as(
        "commission",
      ),
      sql<number>`coalesce(sum(e.amount) filter (where e.kind = 'override'), 0)::bigint`.as(
        "overrides",
      ),
      sql<number>`coalesce(sum(e.amount) filter (where e.kind in ('clawback','override_clawback')), 0)::bigint`.as(
        "clawbacks",
      ),
      sql<number>`coalesce(sum(e.amount), 0)::bigint`.as("net"),
    ])
    .where("e.affiliate_id", "in", ids)
    .groupBy(["b.id", "b.name", "e.currency"])
    .orderBy("b.name")
    .orderBy("e.currency")
    .execute();
  return rows.map((r) => ({
    brandName: r.brand_name,
    currency: r.currency,
    commission: Number(r.commission),
    overrides: Number(r.overrides),
    clawbacks: Number(r.clawbacks),
    net: Number(r.net),
  }));
}
