import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDb, createPool, migrate } from "../../app/db/db.server";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../app/db/embedded.server";

/**
 * One PostgreSQL for the whole run: DATABASE_URL when given, else an embedded cluster in a temp
 * dir. A template database is migrated once; every test file clones its own database from it
 * (tests/helpers/db.ts), so files run in parallel without seeing each other's rows.
 */
declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

let embedded: EmbeddedDatabase | undefined;
let tmpDir: string | undefined;

export default async function setup(project: TestProject) {
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmpDir = mkdtempSync(path.join(os.tmpdir(), "rekomi-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir: tmpDir, database: "postgres" });
    adminUrl = embedded.url;
  }
  const template = `rekomi_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${template}`);
  const templateUrl = withDatabase(adminUrl, template);
  const pool = createPool(templateUrl, 2);
  const db = createDb(pool);
  await migrate(db, templateUrl);
  await db.destroy();

  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);

  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`).catch(() => {});
    const { rows } = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like $1",
      [`${template}_%`],
    );
    for (const row of rows)
      await admin.query(`drop database if exists "${row.datname}" with (force)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
