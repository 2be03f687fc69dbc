import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as exportRoute from "../../app/routes/api.v1.conversions.export[.]csv";
import { neutralizeCsvText } from "../../app/domain/conversion-report";
import { streamConversionsCsv } from "../../app/services/conversions/csv-export.server";
import { CSV_COLUMNS } from "../../app/services/conversions/csv-format.server";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, BASE, type RouteModule } from "../api/helpers";
import { affiliateFor, brandWorld, type BrandWorld, insertConversion } from "./fixtures";

const route = exportRoute as unknown as RouteModule;

/** RFC 4180 parser (quotes, doubled quotes, commas and newlines inside quoted cells). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("CSV export", () => {
  let t: TestDatabase;
  let a: BrandWorld;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await brandWorld(t.db, "Acme");
  });
  afterAll(async () => {
    await t.drop();
  });

  it("neutralises formula injection in text cells", () => {
    for (const v of ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx"])
      expect(neutralizeCsvText(v)).toBe(`'${v}`);
    expect(neutralizeCsvText("Sarah")).toBe("Sarah");
    expect(neutralizeCsvText(null)).toBe("");
  });

  describe("GET /api/v1/conversions/export.csv", () => {
    let w: BrandWorld;
    let evil: string;
    let tricky: string;

    beforeAll(async () => {
      w = await brandWorld(t.db, "Csv");
      evil = await affiliateFor(
        t.db,
        w.brandId,
        w.campaignId,
        '=HYPERLINK("http://evil.example","click")',
      );
      tricky = await affiliateFor(t.db, w.brandId, w.campaignId, 'O\'Brien, "Bob"\nJr. Zoë');
      await insertConversion(t.db, {
        brand_id: w.brandId,
        campaign_id: w.campaignId,
        affiliate_id: tricky,
        attribution_method: "coupon",
        coupon_code: "BOB-10",
        amount: 123_456,
        commission_amount: 24_691,
        refunded_amount: 1_000,
        status: "partially_refunded",
        created_at: new Date("2026-02-01T00:00:00Z"),
      });
      await insertConversion(t.db, {
        brand_id: w.brandId,
        campaign_id: w.campaignId,
        affiliate_id: evil,
        attribution_method: "link",
        amount: 5_000,
        commission_amount: 1_000,
        currency: "jpy",
        created_at: new Date("2026-02-02T00:00:00Z"),
      });
      await insertConversion(t.db, {
        brand_id: w.brandId,
        campaign_id: w.campaignId,
        affiliate_id: w.affiliateId,
        attribution_method: "s2s",
        external_id: "-cmd|' /C calc'!A0",
        amount: 1_234,
        commission_amount: 247,
        currency: "kwd",
        created_at: new Date("2026-02-03T00:00:00Z"),
      });
      // another brand's row must never appear
      await insertConversion(t.db, {
        brand_id: a.brandId,
        campaign_id: a.campaignId,
        affiliate_id: a.affiliateId,
      });
    });

    it("streams UTF-8 CSV with a header row, decimal amounts per currency and neutralised text", async () => {
      const request = new Request(`${BASE}/api/v1/conversions/export.csv`, {
        headers: { Authorization: `Bearer ${w.key}` },
      });
      const response = await route.loader({
        request,
        params: {},
        context: testContext(t.db),
      } as never);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      expect(response.headers.get("Content-Disposition")).toMatch(
        /^attachment; filename="conversions-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      expect(response.body).toBeInstanceOf(ReadableStream);
      const text = new TextDecoder("utf-8").decode(await response.arrayBuffer());
      expect(text.split("\n")[0]).toBe(CSV_COLUMNS.join(","));
      const rows = records(text);
      expect(rows).toHaveLength(3);
      const [kwd, jpy, usd] = rows;
      expect(usd).toMatchObject({
        attribution_method: "coupon",
        coupon_code: "BOB-10",
        amount: "1234.56",
        commission_amount: "246.91",
        refunded_amount: "10.00",
        currency: "usd",
        status: "partially_refunded",
        affiliate_name: 'O\'Brien, "Bob"\nJr. Zoë',
        campaign_name: "Csv Partners",
        created_at: "2026-02-01T00:00:00.000Z",
      });
      expect(jpy).toMatchObject({
        amount: "5000",
        commission_amount: "1000",
        currency: "jpy",
        coupon_code: "",
      });
      expect(jpy.affiliate_name).toBe(`'=HYPERLINK("http://evil.example","click")`);
      expect(kwd).toMatchObject({
        amount: "1.234",
        commission_amount: "0.247",
        external_id: "'-cmd|' /C calc'!A0",
      });
      // the raw text keeps the quote inside the quoted cell: no cell starts with a formula character
      for (const r of parseCsv(text)) for (const cell of r) expect(cell).not.toMatch(/^[=+@\t\r]/);
    });

    it("applies the same filters as the list", async () => {
      const res = await apiCall(route, t.db, {
        path: "/api/v1/conversions/export.csv?attribution_method=coupon&created_gte=2026-01-01T00:00:00.000Z",
        key: w.key,
      });
      expect(res.status).toBe(200);
      expect(records(res.text).map((r) => r.coupon_code)).toEqual(["BOB-10"]);
      const byAffiliate = await apiCall(route, t.db, {
        path: `/api/v1/conversions/export.csv?affiliate_id=${evil}`,
        key: w.key,
      });
      expect(records(byAffiliate.text).map((r) => r.currency)).toEqual(["jpy"]);
      const empty = await apiCall(route, t.db, {
        path: "/api/v1/conversions/export.csv?status=refunded",
        key: w.key,
      });
      expect(empty.text).toBe(`${CSV_COLUMNS.join(",")}\n`);
    });

    it("a bad filter is a JSON 400 naming the param; no key is 401", async () => {
      const res = await apiCall(route, t.db, {
        path: "/api/v1/conversions/export.csv?status=nope",
        key: w.key,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(res.json.error).toMatchObject({ type: "invalid_request", param: "status" });
      const anon = await apiCall(route, t.db, { path: "/api/v1/conversions/export.csv" });
      expect(anon.status).toBe(401);
      expect(anon.json.error.type).toBe("authentication");
    });
  });

  describe("large exports and aborts", () => {
    let big: BrandWorld;
    const N = 20_000;

    beforeAll(async () => {
      big = await brandWorld(t.db, "Big");
      await sql`
        insert into conversions (brand_id, campaign_id, affiliate_id, attribution_method, coupon_code, amount, currency,
          commission_amount, decision, period_start, occurred_at, stripe_invoice_id, created_at)
        select ${big.brandId}::uuid, ${big.campaignId}::uuid, ${big.affiliateId}::uuid, 'coupon', 'BIG' || g, g, 'usd',
          g / 5, '{"rule":"coupon_only"}'::jsonb, now(), now(), 'in_big_' || g, now() - (g || ' seconds')::interval
        from generate_series(1, ${N}) g`.execute(t.db);
    });

    it("streams a 20k-row export in many chunks", async () => {
      const body = streamConversionsCsv(t.db, big.brandId, {}, { batchSize: 500 });
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let chunks = 0;
      let lines = 0;
      let tail = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks++;
        const text = tail + decoder.decode(value, { stream: true });
        const parts = text.split("\n");
        tail = parts.pop() ?? "";
        lines += parts.length;
      }
      expect(lines).toBe(N + 1);
      expect(chunks).toBeGreaterThanOrEqual(N / 500);
      await waitFor(() => t.pool.idleCount === t.pool.totalCount);
    });

    it("a client abort (request.signal) stops the export and returns the connection to the pool", async () => {
      const controller = new AbortController();
      const request = new Request(`${BASE}/api/v1/conversions/export.csv`, {
        headers: { Authorization: `Bearer ${big.key}` },
        signal: controller.signal,
      });
      const response = await route.loader({
        request,
        params: {},
        context: testContext(t.db),
      } as never);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      // The cursor's connection is checked out while the export is open.
      expect(t.pool.totalCount - t.pool.idleCount).toBeGreaterThanOrEqual(1);
      controller.abort();
      await expect(reader.read()).rejects.toThrow();
      await waitFor(() => t.pool.idleCount === t.pool.totalCount);
      // and the pool is healthy afterwards (no transaction left open on the returned client)
      const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'`.execute(t.db);
      expect(open.rows[0].n).toBe(0);
    });

    it("a consumer cancelling the body also releases the connection", async () => {
      const body = streamConversionsCsv(t.db, big.brandId, {}, { batchSize: 100 });
      const reader = body.getReader();
      await reader.read();
      await reader.read();
      await reader.cancel();
      await waitFor(() => t.pool.idleCount === t.pool.totalCount);
    });

    it("a body nobody reads never takes a connection", async () => {
      const idleBefore = t.pool.totalCount - t.pool.idleCount;
      streamConversionsCsv(t.db, big.brandId, {});
      await new Promise((r) => setTimeout(r, 50));
      expect(t.pool.totalCount - t.pool.idleCount).toBe(idleBefore);
    });
  });
});
