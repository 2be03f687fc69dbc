/**
 * 4. Reads over a large brand (1,000,000 conversions across 1,000 affiliates by default):
 * - GET /api/v1/conversions pages: first pages, deep cursors, filters and their combinations;
 * - the dashboard's conversions loader (GET /app/conversions.data, single fetch, signed in).
 * Ceilings: the same service calls made in-process straight on the pool (no HTTP, no auth, no
 * rate limit, no serialisation across the wire), same request mix, one at a time.
 */
import { sql } from "kysely";
import { encodeCursor } from "../app/api/pagination.server";
import {
  affiliateOptions,
  hasAnyConversion,
  listConversionItems,
  listConversionsApiPage,
} from "../app/services/conversions/conversion-lists.server";
import {
  conversionSeries,
  conversionTotals,
} from "../app/services/conversions/conversion-totals.server";
import { type ConversionFilterSet } from "../app/services/conversions/conversion-base.server";
import { log, openLoad, summarize, type LatencySummary, type OpenLoadResult } from "./lib";
import type { Stack } from "./stack";

export interface ReadsResult {
  api: {
    fixed: OpenLoadResult;
    ceiling: LatencySummary;
    kinds: { name: string; app: LatencySummary; ceiling: LatencySummary }[];
  };
  dashboard: {
    fixed: OpenLoadResult;
    ceiling: LatencySummary;
    kinds: { name: string; app: LatencySummary; ceiling: LatencySummary }[];
  };
}

interface ApiCase {
  name: string;
  filters: ConversionFilterSet;
  limit: number;
  cursor: string | null;
}

/** The cursor after the row at `offset` of the filtered list (newest first). */
async function cursorAt(
  stack: Stack,
  brandId: string,
  where: string,
  params: unknown[],
  offset: number,
): Promise<string | null> {
  const { rows } = await stack.pool.query<{ ts: string; id: string }>(
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts, id from conversions
      where brand_id = $1 ${where} order by created_at desc, id desc offset ${Math.max(0, offset)} limit 1`,
    [brandId, ...params],
  );
  return rows[0] ? encodeCursor({ createdAt: rows[0].ts, id: rows[0].id }) : null;
}

function apiQuery(c: ApiCase): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(c.filters)) if (v !== undefined) q.set(k, String(v));
  q.set("limit", String(c.limit));
  if (c.cursor) q.set("cursor", c.cursor);
  return `/api/v1/conversions?${q.toString()}`;
}

export async function benchReads(
  stack: Stack,
  input: {
    brandId: string;
    affiliateIds: string[];
    total: number;
    apiKeys: string[];
    cookie: string;
  },
  sizes: { apiRate: number; dashRate: number; durationS: number },
): Promise<ReadsResult> {
  const { brandId, total } = input;
  const aff = input.affiliateIds[Math.floor(input.affiliateIds.length / 3)];
  const perAff = Math.floor(total / input.affiliateIds.length);
  const range = await sql<{
    min: Date;
    max: Date;
  }>`select min(created_at) as min, max(created_at) as max from conversions where brand_id = ${brandId}`.execute(
    stack.db,
  );
  const { min, max } = range.rows[0];
  const mid = new Date((min.getTime() + max.getTime()) / 2);
  const monthGte = mid.toISOString();
  const monthLt = new Date(mid.getTime() + 30 * 86_400_000).toISOString();

  const cases: ApiCase[] = [
    { name: "first page, limit 100", filters: {}, limit: 100, cursor: null },
    { name: "default limit", filters: {}, limit: 10, cursor: null },
    {
      name: "cursor at 50 %",
      filters: {},
      limit: 100,
      cursor: await cursorAt(stack, brandId, "", [], Math.floor(total / 2)),
    },
    {
      name: "cursor at 99.99 %",
      filters: {},
      limit: 100,
      cursor: await cursorAt(stack, brandId, "", [], total - 150),
    },
    { name: "affiliate_id", filters: { affiliate_id: aff }, limit: 100, cursor: null },
    {
      name: "affiliate_id + deep cursor",
      filters: { affiliate_id: aff },
      limit: 100,
      cursor: await cursorAt(
        stack,
        brandId,
        "and affiliate_id = $2",
        [aff],
        Math.floor(perAff * 0.9),
      ),
    },
    { name: "status=refunded", filters: { status: "refunded" }, limit: 100, cursor: null },
    {
      name: "status=refunded + deep cursor",
      filters: { status: "refunded" },
      limit: 100,
      cursor: await cursorAt(
        stack,
        brandId,
        "and status = 'refunded'",
        [],
        Math.floor(total * 0.03 * 0.9),
      ),
    },
    {
      name: "attribution_method=s2s",
      filters: { attribution_method: "s2s" },
      limit: 100,
      cursor: null,
    },
    {
      name: "created range (30 days)",
      filters: { created_gte: monthGte, created_lt: monthLt },
      limit: 100,
      cursor: null,
    },
    {
      name: "method=link + status=partially_refunded",
      filters: { attribution_method: "link", status: "partially_refunded" },
      limit: 100,
      cursor: null,
    },
    {
      name: "affiliate_id + status=refunded",
      filters: { affiliate_id: aff, status: "refunded" },
      limit: 100,
      cursor: null,
    },
  ];

  // ---- API through HTTP at a fixed rate (keys rotated to stay under the per-key rate limit)
  const apiFixed = await openLoad({
    port: stack.port,
    rate: sizes.apiRate,
    durationMs: sizes.durationS * 1000,
    request: (i) => ({
      method: "GET",
      path: apiQuery(cases[i % cases.length]),
      headers: {
        Authorization: `Bearer ${input.apiKeys[i % input.apiKeys.length]}`,
        Accept: "application/json",
      },
    }),
    check: (_i, status, body) => status === 200 && body.startsWith('{"data":['),
  });
  const apiKinds = cases.map((c, k) => ({
    name: c.name,
    app: summarize(apiFixed.byIndex.filter((v, j) => j % cases.length === k && !Number.isNaN(v))),
    ceiling: summarize([]),
  }));
  log(
    `  API at ${sizes.apiRate}/s: p50 ${apiFixed.latency.p50.toFixed(1)} ms, p95 ${apiFixed.latency.p95.toFixed(1)} ms, errors ${apiFixed.errors}`,
  );

  // ---- API ceiling: the same service call in-process, sequentially
  const reps = Math.max(2, Math.round((apiFixed.sent / cases.length) * 0.5));
  const apiCeilAll: number[] = [];
  for (const [k, c] of cases.entries()) {
    const s: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      const cursorParsed = c.cursor
        ? (JSON.parse(Buffer.from(c.cursor, "base64url").toString("utf8")) as [string, string])
        : null;
      const page = await listConversionsApiPage(stack.db, brandId, c.filters, {
        limit: c.limit,
        cursor: cursorParsed ? { createdAt: cursorParsed[0], id: cursorParsed[1] } : null,
      });
      JSON.stringify(page);
      s.push(performance.now() - t);
    }
    apiKinds[k].ceiling = summarize(s);
    apiCeilAll.push(...s);
  }

  // ---- Dashboard loader (single fetch .data) at a fixed rate
  const olderCursor = await cursorAt(stack, brandId, "", [], Math.floor(total / 2));
  const dashCases: {
    name: string;
    query: string;
    filters: ConversionFilterSet;
    after: string | null;
  }[] = [
    { name: "no filters", query: "", filters: {}, after: null },
    { name: "affiliate", query: `affiliate=${aff}`, filters: { affiliate_id: aff }, after: null },
    {
      name: "status=refunded",
      query: "status=refunded",
      filters: { status: "refunded" },
      after: null,
    },
    {
      name: "30-day range",
      query: `from=${monthGte.slice(0, 10)}&to=${monthLt.slice(0, 10)}`,
      filters: {
        created_gte: new Date(`${monthGte.slice(0, 10)}T00:00:00.000Z`).toISOString(),
        created_lt: new Date(
          new Date(`${monthLt.slice(0, 10)}T00:00:00.000Z`).getTime() + 86_400_000,
        ).toISOString(),
      },
      after: null,
    },
    { name: "older page at 50 %", query: `after=${olderCursor}`, filters: {}, after: olderCursor },
  ];
  const dashFixed = await openLoad({
    port: stack.port,
    rate: sizes.dashRate,
    durationMs: sizes.durationS * 1000,
    request: (i) => {
      const c = dashCases[i % dashCases.length];
      return {
        method: "GET",
        path: `/app/conversions.data?index${c.query ? `&${c.query}` : ""}`,
        headers: { Cookie: input.cookie, Accept: "*/*" },
      };
    },
    check: (_i, status) => status === 200,
    timeoutMs: 60_000,
  });
  const dashKinds = dashCases.map((c, k) => ({
    name: c.name,
    app: summarize(
      dashFixed.byIndex.filter((v, j) => j % dashCases.length === k && !Number.isNaN(v)),
    ),
    ceiling: summarize([]),
  }));
  log(
    `  dashboard at ${sizes.dashRate}/s: p50 ${dashFixed.latency.p50.toFixed(1)} ms, p95 ${dashFixed.latency.p95.toFixed(1)} ms, errors ${dashFixed.errors}`,
  );

  // ---- Dashboard ceiling: the loader's queries in-process (in parallel, as the loader runs them)
  const dashCeilAll: number[] = [];
  const dashReps = Math.max(2, Math.round((dashFixed.sent / dashCases.length) * 0.5));
  for (const [k, c] of dashCases.entries()) {
    const s: number[] = [];
    for (let r = 0; r < dashReps; r++) {
      const t = performance.now();
      await affiliateOptions(stack.db, brandId);
      await Promise.all([
        listConversionItems(stack.db, brandId, c.filters, {
          limit: 25,
          after: c.after,
          before: null,
        }),
        conversionTotals(stack.db, brandId, c.filters),
        conversionSeries(stack.db, brandId, c.filters),
        hasAnyConversion(stack.db, brandId),
      ]);
      s.push(performance.now() - t);
    }
    dashKinds[k].ceiling = summarize(s);
    dashCeilAll.push(...s);
  }
  return {
    api: { fixed: apiFixed, ceiling: summarize(apiCeilAll), kinds: apiKinds },
    dashboard: { fixed: dashFixed, ceiling: summarize(dashCeilAll), kinds: dashKinds },
  };
}
