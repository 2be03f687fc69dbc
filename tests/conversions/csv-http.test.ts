import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as exportRoute from "../../app/routes/api.v1.conversions.export[.]csv";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { brandWorld, type BrandWorld } from "./fixtures";

/**
 * The CSV export behind the same stack as production (express + @remix-run/express): the body is
 * streamed to the socket as it is produced, and a client that hangs up mid-download aborts the
 * request, which closes the cursor and gives the connection back to the pool.
 */
describe("CSV export over HTTP", () => {
  let t: TestDatabase;
  let w: BrandWorld;
  let server: http.Server;
  let base: string;
  const N = 30_000;

  beforeAll(async () => {
    t = await createTestDatabase();
    w = await brandWorld(t.db, "Http");
    await sql`
      insert into conversions (brand_id, campaign_id, affiliate_id, attribution_method, amount, currency,
        commission_amount, decision, period_start, occurred_at, stripe_invoice_id, created_at)
      select ${w.brandId}::uuid, ${w.campaignId}::uuid, ${w.affiliateId}::uuid, 'link', g, 'usd', g / 5,
        '{}'::jsonb, now(), now(), 'in_http_' || g, now() - (g || ' seconds')::interval
      from generate_series(1, ${N}) g`.execute(t.db);
    const build = {
      mode: "production",
      entry: { module: { default: () => new Response("no documents", { status: 404 }) } },
      routes: {
        root: { id: "root", path: "", module: { default: () => null } },
        export: {
          id: "export",
          parentId: "root",
          path: "api/v1/conversions/export.csv",
          module: exportRoute,
        },
      },
      assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
      publicPath: "/build/",
      assetsBuildDirectory: "public/build",
      future: {
        v3_singleFetch: true,
        v3_throwAbortReason: true,
        v3_relativeSplatPath: true,
        v3_fetcherPersist: true,
        v3_lazyRouteDiscovery: true,
      },
      isSpaMode: false,
    } as unknown as ServerBuild;
    const app = express();
    app.all(
      "*",
      createRequestHandler({
        build,
        mode: "production",
        getLoadContext: () => testContext(t.db) as never,
      }),
    );
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.drop();
  });

  const waitIdle = async () => {
    const start = Date.now();
    while (t.pool.idleCount !== t.pool.totalCount) {
      if (Date.now() - start > 5000)
        throw new Error(`pool busy: ${t.pool.totalCount - t.pool.idleCount}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("downloads a large export in full", async () => {
    const res = await fetch(`${base}/api/v1/conversions/export.csv`, {
      headers: { Authorization: `Bearer ${w.key}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // streamed, not buffered into one Content-Length body
    expect(res.headers.get("content-length")).toBeNull();
    const text = await res.text();
    expect(text.trimEnd().split("\n")).toHaveLength(N + 1);
    await waitIdle();
  });

  it("a client hanging up mid-download releases the connection", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        `${base}/api/v1/conversions/export.csv`,
        { headers: { Authorization: `Bearer ${w.key}` } },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.once("data", () => {
            expect(t.pool.totalCount - t.pool.idleCount).toBeGreaterThanOrEqual(1);
            req.destroy();
            resolve();
          });
        },
      );
      req.on("error", (e) =>
        (e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e),
      );
    });
    await waitIdle();
  });
});
