/**
 * How a totals/series read is answered: whole UTC days from the `conversion_daily_totals` rollup
 * and the partial days at the edges of a created_at range from `conversions` (through the base
 * query), combined into one statement so the answer comes from one snapshot.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import type { ConversionFilterSet } from "~/domain/conversion-report";
import { filteredConversions } from "./conversion-base.server";

const DAY_MS = 86_400_000;

/**
 * How a totals/series read is answered: whole UTC days from `conversion_daily_totals` (kept exact
 * by triggers on conversions, migrations/0009) and the partial days at the edges of a created_at
 * range from `conversions` itself. `null` when a filter is one the rollup does not carry
 * (affiliate, code): then everything comes from `conversions` through its indexes.
 */
export interface RollupPlan {
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
export function rollupRows(db: DB, brandId: string, f: ConversionFilterSet, plan: RollupPlan) {
  let q = db.selectFrom("conversion_daily_totals as d").where("d.brand_id", "=", brandId);
  if (f.attribution_method) q = q.where("d.attribution_method", "=", f.attribution_method);
  if (f.status) q = q.where("d.status", "=", f.status);
  if (plan.fromDay) q = q.where(sql<boolean>`d.day >= ${plan.fromDay}::date`);
  if (plan.toDay) q = q.where(sql<boolean>`d.day < ${plan.toDay}::date`);
  return q;
}

/**
 * The plan's sources as one `union all`: the rollup's whole days (when it has any) and, for each
 * partial-day edge, `edge(filters narrowed to that edge)` read from conversions.
 */
export function rollupUnion<O>(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  plan: RollupPlan,
  parts: {
    rollup: SelectQueryBuilder<Database & { d: Database["conversion_daily_totals"] }, "d", O>;
    edge: (
      q: ReturnType<typeof filteredConversions>,
    ) => SelectQueryBuilder<Database, "conversions", O>;
  },
) {
  const edges = plan.edges.map((e) =>
    parts.edge(
      filteredConversions(db, brandId, { ...filters, created_gte: e.gte, created_lt: e.lt }),
    ),
  );
  const sources = [...(plan.useRollup ? [parts.rollup] : []), ...edges] as (typeof parts.rollup)[];
  let union = sources[0];
  for (const p of sources.slice(1)) union = union.unionAll(p);
  return db.selectFrom(union.as("x"));
}
