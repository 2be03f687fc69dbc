/**
 * Totals per currency and the revenue/commission series by source for the dashboard, built on
 * conversion-base (filters) and conversion-rollup (whole days from the rollup table). Sums are per
 * currency, never across currencies.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { AttributionMethod } from "~/domain/conversion-enums";
import {
  buildSeries,
  type ConversionFilterSet,
  type CurrencySeries,
  type Granularity,
  granularityFor,
} from "~/domain/conversion-report";
import { filteredConversions } from "./conversion-base.server";
import { rollupPlan, type RollupPlan, rollupRows, rollupUnion } from "./conversion-rollup.server";

export { rollupPlan } from "./conversion-rollup.server";

// ---------------------------------------------------------------------------------------------
// Totals

export interface CurrencyTotal {
  currency: string;
  count: number;
  amount: number;
  refunded: number;
  /** amount - refunded */
  revenue: number;
  commission: number;
}

interface TotalsRow {
  currency: string;
  count: number;
  amount: number;
  refunded: number;
  commission: number;
}

/** Totals straight from conversions (a filter the rollup does not carry). */
function totalsFromConversions(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
): Promise<TotalsRow[]> {
  return filteredConversions(db, brandId, filters)
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
}

/** One statement (one snapshot): rollup days + partial-day edges, summed per currency. */
function totalsWithRollup(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  plan: RollupPlan,
): Promise<TotalsRow[]> {
  const rollup = rollupRows(db, brandId, filters, plan)
    .select([
      "d.currency",
      sql<number>`sum(d.conversions)`.as("n"),
      sql<number>`sum(d.amount)`.as("amount"),
      sql<number>`sum(d.refunded_amount)`.as("refunded"),
      sql<number>`sum(d.commission_amount)`.as("commission"),
    ])
    .groupBy("d.currency");
  const edge = (q: ReturnType<typeof filteredConversions>) =>
    q
      .select([
        "conversions.currency",
        sql<number>`count(*)`.as("n"),
        sql<number>`sum(conversions.amount)`.as("amount"),
        sql<number>`sum(conversions.refunded_amount)`.as("refunded"),
        sql<number>`sum(conversions.commission_amount)`.as("commission"),
      ])
      .groupBy("conversions.currency");
  return rollupUnion(db, brandId, filters, plan, { rollup, edge })
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

/** Totals of the filtered conversions, one row per currency. */
export async function conversionTotals(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
): Promise<CurrencyTotal[]> {
  const plan = rollupPlan(filters);
  const rows = plan
    ? await totalsWithRollup(db, brandId, filters, plan)
    : await totalsFromConversions(db, brandId, filters);
  return rows.map((r) => ({
    currency: r.currency,
    count: Number(r.count),
    amount: Number(r.amount),
    refunded: Number(r.refunded),
    revenue: Number(r.amount) - Number(r.refunded),
    commission: Number(r.commission),
  }));
}

// ---------------------------------------------------------------------------------------------
// Series

export interface ConversionSeries {
  granularity: Granularity;
  series: CurrencySeries[];
}

interface SeriesRow {
  bucket: string;
  currency: string;
  attribution_method: AttributionMethod;
  revenue: number;
  commission: number;
}

const bucketOf = (granularity: Granularity) =>
  sql<string>`to_char(date_trunc(${granularity}, conversions.created_at at time zone 'UTC'), 'YYYY-MM-DD')`;

/** The series straight from conversions (a filter the rollup does not carry). */
function seriesFromConversions(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  granularity: Granularity,
): Promise<SeriesRow[]> {
  return filteredConversions(db, brandId, filters)
    .select([
      bucketOf(granularity).as("bucket"),
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
}

/** One statement: rollup days + partial-day edges, per bucket, currency and source. */
function seriesWithRollup(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  plan: RollupPlan,
  granularity: Granularity,
): Promise<SeriesRow[]> {
  const rollup = rollupRows(db, brandId, filters, plan)
    .select([
      sql<string>`to_char(date_trunc(${granularity}, d.day::timestamp), 'YYYY-MM-DD')`.as("bucket"),
      "d.currency",
      "d.attribution_method",
      sql<number>`sum(d.conversions)`.as("n"),
      sql<number>`sum(d.amount - d.refunded_amount)`.as("revenue"),
      sql<number>`sum(d.commission_amount)`.as("commission"),
    ])
    .groupBy([sql`1`, "d.currency", "d.attribution_method"]);
  const edge = (q: ReturnType<typeof filteredConversions>) =>
    q
      .select([
        bucketOf(granularity).as("bucket"),
        "conversions.currency",
        "conversions.attribution_method",
        sql<number>`count(*)`.as("n"),
        sql<number>`sum(conversions.amount - conversions.refunded_amount)`.as("revenue"),
        sql<number>`sum(conversions.commission_amount)`.as("commission"),
      ])
      .groupBy([sql`1`, "conversions.currency", "conversions.attribution_method"]);
  return rollupUnion(db, brandId, filters, plan, { rollup, edge })
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
  const rows = plan
    ? await seriesWithRollup(db, brandId, filters, plan, granularity)
    : await seriesFromConversions(db, brandId, filters, granularity);
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
