import type pg from "pg";
import type { Config } from "./config.server";
import { createDb, createPool, migrate, type DB } from "./db/db.server";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded.server";

/**
 * Process bootstrap shared by the web server, the worker and the CLI: pick the database (the
 * configured one, or an embedded cluster under DATA_DIR), apply pending migrations, and hand back
 * a Kysely instance plus a close() that releases everything in order.
 */
export interface Runtime {
  db: DB;
  pool: pg.Pool;
  databaseUrl: string;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  opts: { migrate?: boolean; poolSize?: number; log?: (line: string) => void } = {},
): Promise<Runtime> {
  const log = opts.log ?? (() => {});
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log(`Starting embedded PostgreSQL (DATA_DIR ${config.dataDir}) ...`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
    databaseUrl = embedded.url;
  }
  const pool = createPool(databaseUrl, opts.poolSize ?? 10);
  const db = createDb(pool);
  try {
    if (opts.migrate !== false) {
      const applied = await migrate(db, databaseUrl);
      if (applied.length > 0) log(`Applied migrations: ${applied.join(", ")}`);
    }
  } catch (error) {
    await db.destroy().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    databaseUrl,
    embedded,
    close() {
      closing ??= (async () => {
        await db.destroy().catch(() => {});
        await embedded?.stop();
      })();
      return closing;
    },
  };
}

/** Run `fn` once on SIGINT/SIGTERM; a second signal forces exit. */
export function onShutdown(fn: () => Promise<void>): void {
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      console.error(`Received ${signal} again, exiting now.`);
      process.exit(1);
    }
    shuttingDown = true;
    console.log(`Received ${signal}, shutting down ...`);
    fn().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("Shutdown failed:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
