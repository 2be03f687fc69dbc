import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createDb, createPool, migrate } from "../../app/db/db.server";
import { migrations } from "../../migrations/index";

describe("migrations", () => {
  it("apply to an empty database, twice without change, and create the foundation tables", async () => {
    const adminUrl = inject("pgAdminUrl");
    const name = `${inject("pgTemplate")}_empty_${randomBytes(3).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const pool = createPool(u.toString(), 3);
    const db = createDb(pool);
    try {
      const first = await migrate(db, u.toString());
      expect(first).toEqual(Object.keys(migrations));
      const second = await migrate(db, u.toString());
      expect(second).toEqual([]);
      const { rows } = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' order by 1`.execute(
        db,
      );
      const tables = rows.map((r) => r.table_name);
      for (const t of [
        "brands",
        "users",
        "brand_members",
        "campaigns",
        "affiliates",
        "enrollments",
        "sessions",
      ]) {
        expect(tables).toContain(t);
      }
      const worker = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_schema = 'graphile_worker'`.execute(
        db,
      );
      expect(worker.rows[0].n).toBeGreaterThan(0);
    } finally {
      await db.destroy();
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});
