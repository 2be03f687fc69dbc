/**
 * RELIABILITY 2 — Postgres restarts under intake load. A real web process (`server.ts`, production
 * build) and a real worker (`jobs/main.ts`) run against their own embedded PostgreSQL; 8 clients
 * send signed Stripe events (each a new event id) without pause while Postgres is stopped and started
 * again on the same data directory and port, several times. Then, as Stripe would, every event that
 * was not answered 2xx is sent again until it is.
 *
 * - every event answered 2xx is stored (before or after a restart), exactly once;
 * - events answered 5xx are accepted when re-sent;
 * - no partial rows: every stored event got its job (all end processed), nothing is left queued;
 * - the web process reconnects by itself (no restart of it), the worker keeps running and
 *   re-establishes its LISTEN and its liveness session.
 *
 * Knobs: RELIABILITY_PG_RESTARTS (default 2; documented run 5).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool, migrate, type DB } from "../../app/db/db.server";
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from "../../app/db/embedded.server";
import { testContext } from "../helpers/context";
import { createBrand, insertConnection, sign } from "../stripe/helpers";
import { baseEnv, recordFigures, startProc, startWorkerProc, waitUntil, type Proc } from "./procs";

const RESTARTS = Number(process.env.RELIABILITY_PG_RESTARTS ?? 2);
const LANES = 8;

let tmp: string;
let pg: EmbeddedDatabase | undefined;
let pgPort: number;
let pool: ReturnType<typeof createPool>;
let db: DB;
let web: Proc | undefined;
let worker: Proc | undefined;
let baseUrl: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "rekomi-rel-pg-"));
  pgPort = await freePort();
  pg = await startEmbeddedPostgres({ dataDir: tmp, database: "rekomi", port: pgPort });
  pool = createPool(pg.url, 4);
  db = createDb(pool);
  await migrate(db, pg.url);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env = baseEnv({
    DATABASE_URL: pg.url,
    PORT: String(port),
    APP_URL: baseUrl,
    DATA_DIR: tmp,
  });
  web = startProc("web", "server.ts", env);
  await web.waitForLine(/Rekomi is running/, 90_000);
  worker = startWorkerProc(env);
  await worker.waitForLine(/Rekomi worker running/, 90_000);
});

afterAll(async () => {
  await web?.kill();
  await worker?.kill();
  await db?.destroy().catch(() => {});
  await pg?.stop().catch(() => {});
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function listeners(): Promise<{ listen: number; liveness: number }> {
  const { rows } = await sql<{ listen: number; liveness: number }>`
    select count(*) filter (where query ilike 'listen %')::int as listen,
           count(*) filter (where application_name = 'rekomi-worker-liveness')::int as liveness
    from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(
    db,
  );
  return rows[0];
}

describe("Postgres restart under intake load", () => {
  it(`loses nothing across ${RESTARTS} restarts`, { timeout: 300_000 }, async () => {
    const t0 = Date.now();
    const ctx = testContext(db);
    const brandId = await createBrand(db, "Restart Brand");
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    await insertConnection(ctx, brandId, { webhookSecret: secret });
    await waitUntil(
      async () => {
        const l = await listeners();
        return l.listen === 1 && l.liveness === 1;
      },
      10_000,
      "the worker's LISTEN and liveness sessions",
    );

    // ---- the load: unique events, 8 lanes, no pause
    const bodies = new Map<string, string>();
    const last = new Map<string, number>();
    const ever2xx = new Set<string>();
    const statusCounts: Record<string, number> = {};
    let seq = 0;
    let sending = true;
    const send = async (id: string): Promise<number> => {
      const body = bodies.get(id)!;
      let status: number;
      try {
        const res = await fetch(`${baseUrl}/webhooks/stripe/${brandId}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Stripe-Signature": sign(body, secret) },
          body,
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0; // connection error
      }
      last.set(id, status);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ever2xx.add(id);
      return status;
    };
    const lanes = Array.from({ length: LANES }, async () => {
      while (sending) {
        const n = seq++;
        const id = `evt_rel_${n.toString().padStart(7, "0")}_${randomBytes(4).toString("hex")}`;
        // Mostly a handled type (gets a job), some an unhandled one (stored as ignored, no job).
        const type = n % 5 === 4 ? "customer.created" : "promotion_code.updated";
        const object =
          type === "customer.created"
            ? { id: `cus_${n}`, object: "customer" }
            : { id: `promo_rel_${n}`, object: "promotion_code", active: n % 2 === 0, metadata: {} };
        bodies.set(
          id,
          JSON.stringify({
            id,
            object: "event",
            api_version: "2026-10-28.endive",
            created: Math.floor(Date.now() / 1000),
            livemode: false,
            pending_webhooks: 1,
            request: { id: null, idempotency_key: null },
            type,
            data: { object },
          }),
        );
        await send(id);
      }
    });

    // ---- the faults
    const outages: { downMs: number; sentBefore: number }[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      const sentBefore = seq;
      const down = Date.now();
      await pg!.stop();
      await new Promise((r) => setTimeout(r, 1000));
      pg = await startEmbeddedPostgres({ dataDir: tmp, database: "rekomi", port: pgPort });
      outages.push({ downMs: Date.now() - down, sentBefore });
    }
    await new Promise((r) => setTimeout(r, 2000));
    sending = false;
    await Promise.all(lanes);

    // ---- Stripe's retries: every event not answered 2xx is sent again until it is
    const retried = [...last].filter(([, s]) => s < 200 || s >= 300).map(([id]) => id);
    let retries = 0;
    for (const id of retried) {
      await waitUntil(
        async () => {
          retries++;
          const s = await send(id);
          return s >= 200 && s < 300;
        },
        30_000,
        `event ${id} to be accepted on retry`,
        200,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}: last status ${last.get(id)} ${JSON.stringify(statusCounts)}\n${web!.lines.slice(-60).join("\n")}`,
        );
      });
    }

    // ---- everything stored exactly once, and processed by the worker that lived through it
    await waitUntil(
      async () => {
        const { rows } = await sql<{ open: number; jobs: number }>`
        select (select count(*)::int from stripe_events where status not in ('processed','ignored')) as open,
               (select count(*)::int from graphile_worker.jobs) as jobs`
          .execute(db)
          .catch(() => ({ rows: [{ open: -1, jobs: -1 }] }));
        return rows[0].open === 0 && rows[0].jobs === 0;
      },
      60_000,
      "the worker to process every stored event",
      250,
    ).catch(async (error: Error) => {
      const { rows } =
        await sql`select status, count(*)::int as n, max(error) as error from stripe_events group by 1`.execute(
          db,
        );
      const jobs =
        await sql`select attempts, run_at, locked_by, last_error from graphile_worker.jobs limit 5`.execute(
          db,
        );
      throw new Error(
        `${error.message}: ${JSON.stringify(rows)} ${JSON.stringify(jobs.rows)} worker exit ${worker!.child.exitCode}\n${worker!.lines.slice(-30).join("\n")}`,
      );
    });

    const stored = await db
      .selectFrom("stripe_events")
      .select(["stripe_event_id", "type", "status", "payload"])
      .where("brand_id", "=", brandId)
      .execute();
    const storedIds = new Set(stored.map((r) => r.stripe_event_id));
    const lost2xx = [...ever2xx].filter((id) => !storedIds.has(id));
    const neverStored = [...bodies.keys()].filter((id) => !storedIds.has(id));
    const partial = stored.filter(
      (r) => !isDeepStrictEqual(r.payload, JSON.parse(bodies.get(r.stripe_event_id) ?? "null")),
    );
    const wrongStatus = stored.filter(
      (r) => r.status !== (r.type === "customer.created" ? "ignored" : "processed"),
    );

    expect(lost2xx).toEqual([]);
    expect(neverStored).toEqual([]);
    expect(stored.length).toBe(bodies.size);
    expect(partial).toEqual([]);
    expect(wrongStatus).toEqual([]);
    expect(retried.length).toBeGreaterThan(0); // the outage was real
    // 5xx during the outage must be 503 + Retry-After (a classified "database unavailable").
    const unclassified = web!.lines.filter((l) => /intake failed/.test(l));
    expect(unclassified.slice(0, 5)).toEqual([]);
    expect(Object.keys(statusCounts).filter((s) => !["200", "503"].includes(s))).toEqual([]);

    // ---- both processes lived through it and reconnected by themselves
    expect(web!.child.exitCode).toBeNull();
    expect(worker!.child.exitCode).toBeNull();
    await waitUntil(
      async () => {
        const l = await listeners();
        return l.listen === 1 && l.liveness === 1 ? l : undefined;
      },
      70_000,
      "the worker's LISTEN and liveness sessions to be back",
      500,
    );
    const health = await fetch(`${baseUrl}/login`);
    expect({
      status: health.status,
      log: health.status === 200 ? [] : web!.lines.slice(-20),
    }).toEqual({ status: 200, log: [] });

    const figures = {
      restarts: RESTARTS,
      outages,
      eventsSent: bodies.size,
      requests: Object.values(statusCounts).reduce((a, b) => a + b, 0),
      statusCounts,
      answered5xxThenRetried: retried.length,
      retryRequests: retries,
      stored: stored.length,
      lostAfter2xx: lost2xx.length,
      partialRows: partial.length,
      workerRunnerRestarts: worker!.lines.filter((l) => /job runner restarted/.test(l)).length,
      workerJobsRecovered: worker!.lines.filter((l) => /recovered \d+ job/.test(l)).length,
      webProcessAliveThroughout:
        web!.child.exitCode === null &&
        web!.lines.filter((l) => /Rekomi is running/.test(l)).length === 1,
      seconds: (Date.now() - t0) / 1000,
    };
    console.log(`[postgres-restart] ${JSON.stringify(figures)}`);
    recordFigures("postgres-restart", figures);
  });
});
