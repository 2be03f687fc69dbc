import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import { migrations } from "../../migrations/index";
import type { Database } from "./schema";

export type DB = Kysely<Database>;

// Return bigint/numeric counts as JS numbers where safe; timestamps stay Date.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (e.g. a Postgres restart) must not crash the process.
  pool.on("error", (error) => console.error("[db] idle client error:", error.message));
  // Nor may a checked-out client that loses it between two queries (pg emits 'error' on the client,
  // which has no listener while checked out, and Node would exit). Its current or next query fails
  // with the error, and the pool discards the broken client on release.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}

export function createDb(pool: pg.Pool): DB {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Apply pending Kysely migrations then graphile-worker's own. Safe to run concurrently. */
export async function migrate(db: DB, connectionString: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: false,
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === "Error") console.error(`[migrate] ${r.migrationName} failed`);
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
  await runWorkerMigrations({ connectionString, logger: quietLogger });
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

export const quietLogger = new Logger(() => (level: string, message: string) => {
  if (level === "error" || level === "warning") console.error(`[worker] ${message}`);
});

export async function ping(db: DB): Promise<void> {
  await sql`select 1`.execute(db);
}
