/**
 * The system under test, all on loopback: a fresh embedded PostgreSQL in a temp dir, the Stripe
 * emulator (in this process), the production web server (`server.ts`, NODE_ENV=production) and the
 * job worker (`jobs/main.ts`) as separate processes, exactly as deployed.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig, type Config } from "../app/config.server";
import { createDb, createPool, migrate, type DB } from "../app/db/db.server";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../app/db/embedded.server";
import { ensureProductionBuild } from "../scripts/production-build";
import { startStripeEmulator, type StripeEmulator } from "../tools/stripe-emulator/index";
import { log, onCleanup, onExitSync, spawnNode, waitForHttp, type Child } from "./lib";
import type pg from "pg";

export interface Stack {
  tmp: string;
  pg: EmbeddedDatabase;
  pool: pg.Pool;
  db: DB;
  emu: StripeEmulator;
  config: Config;
  env: NodeJS.ProcessEnv;
  port: number;
  baseUrl: string;
  server: Child;
  worker: Child | null;
  workerConcurrency: number;
  startWorker(): Promise<Child>;
  stopWorker(): Promise<void>;
  restartServer(): Promise<void>;
}

/** The production bundle the bench serves: rebuilt when missing, stale or a dev build. */
export function ensureBuild(force: boolean): void {
  ensureProductionBuild({ force, log });
}

export async function startStack(opts: { workerConcurrency: number }): Promise<Stack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rekomi-bench-"));
  onExitSync(() => rmSync(tmp, { recursive: true, force: true }));
  log(`temp dir ${tmp}; starting embedded PostgreSQL ...`);
  const pgdb = await startEmbeddedPostgres({ dataDir: tmp, database: "rekomi_bench" });
  onCleanup(() => pgdb.stop());
  const pool = createPool(pgdb.url, 40);
  const db = createDb(pool);
  onCleanup(() => db.destroy());
  await migrate(db, pgdb.url);

  const emu = await startStripeEmulator({ port: 0, host: "127.0.0.1", deliver: false });
  onCleanup(() => emu.close());

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    PORT: String(port),
    APP_URL: baseUrl,
    DATABASE_URL: pgdb.url,
    DATA_DIR: tmp,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    STRIPE_API_BASE: emu.url,
    STRIPE_MODE: "live",
    ALLOW_PRIVATE_WEBHOOK_URLS: "1",
    WORKER_CONCURRENCY: String(opts.workerConcurrency),
  };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`bench config: ${parsed.errors.join("; ")}`);
  const config = parsed.config;

  const startServer = async () => {
    // BENCH_PROFILE=dir: V8 CPU profile of the web server, written to dir when it stops.
    const prof = process.env.BENCH_PROFILE
      ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`]
      : [];
    const child = spawnNode("web", [...prof, "--import", "tsx", "server.ts"], env);
    await waitForHttp(`${baseUrl}/login`, 90_000, child);
    return child;
  };
  log("starting the production web server ...");
  const stack: Stack = {
    tmp,
    pg: pgdb,
    pool,
    db,
    emu,
    config,
    env,
    port,
    baseUrl,
    server: await startServer(),
    worker: null,
    workerConcurrency: opts.workerConcurrency,
    async startWorker() {
      if (stack.worker) return stack.worker;
      const prof = process.env.BENCH_PROFILE
        ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE, "worker")}`]
        : [];
      const child = spawnNode("worker", [...prof, "--import", "tsx", "jobs/main.ts"], env);
      // The worker prints this line once graphile-worker is running.
      const start = Date.now();
      while (!child.logs.some((l) => l.includes("Rekomi worker running"))) {
        if (child.proc.exitCode !== null)
          throw new Error(`worker exited\n${child.logs.join("\n")}`);
        if (Date.now() - start > 60_000)
          throw new Error(`worker did not start\n${child.logs.join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      stack.worker = child;
      return child;
    },
    async stopWorker() {
      await stack.worker?.stop();
      stack.worker = null;
    },
    async restartServer() {
      await stack.server.stop();
      stack.server = await startServer();
    },
  };
  return stack;
}
