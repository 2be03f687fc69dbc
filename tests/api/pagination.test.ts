import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../app/api/pagination.server";
import * as affiliatesRoute from "../../app/routes/api.v1.affiliates";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, validCampaign } from "./helpers";

const input = (name: string) => ({
  name,
  destinationUrl: "https://acme.example.com",
  commission: { type: "percent" as const, bps: 1000 },
  recurringMonths: null,
  subAffiliateOverrideBps: 0,
  cookieWindowDays: 30,
  autoApprove: false,
});

describe("list pagination", () => {
  let t: TestDatabase;
  let a: { brandId: string; key: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createBrandWithKey(t.db, "A");
  });
  afterAll(async () => {
    await t?.drop();
  });

  const page = (key: string, qs: string) =>
    apiCall(campaignsRoute, t.db, { path: `/api/v1/campaigns${qs}`, key });

  it("limit, has_more and next_cursor walk the list newest first", async () => {
    const c = await createBrandWithKey(t.db, "Walk");
    const names = [];
    for (let i = 0; i < 5; i++) {
      names.push(`C${i}`);
      await createCampaign(t.db, c.brandId, input(`C${i}`));
    }
    const p1 = await page(c.key, "?limit=2");
    expect(p1.status).toBe(200);
    expect(p1.json.data.map((x: { name: string }) => x.name)).toEqual(["C4", "C3"]);
    expect(p1.json.has_more).toBe(true);
    expect(typeof p1.json.next_cursor).toBe("string");
    const p2 = await page(c.key, `?limit=2&cursor=${p1.json.next_cursor}`);
    expect(p2.json.data.map((x: { name: string }) => x.name)).toEqual(["C2", "C1"]);
    const p3 = await page(c.key, `?limit=2&cursor=${p2.json.next_cursor}`);
    expect(p3.json).toEqual({
      data: [expect.objectContaining({ name: "C0" })],
      has_more: false,
      next_cursor: null,
    });
    // Default limit (10) returns everything here.
    const all = await page(c.key, "");
    expect(all.json.data).toHaveLength(5);
    expect(all.json.has_more).toBe(false);
  });

  it("rows sharing one created_at (one transaction) are split across pages by id, none lost", async () => {
    const c = await createBrandWithKey(t.db, "Same instant");
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 7; i++) await createCampaign(trx, c.brandId, input(`S${i}`));
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await page(c.key, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...res.json.data.map((x: { id: string }) => x.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it("stays stable while rows are inserted between page fetches: no duplicates, no skipped pre-existing rows", async () => {
    const c = await createBrandWithKey(t.db, "Stable");
    for (let i = 0; i < 12; i++) await createCampaign(t.db, c.brandId, input(`Old${i}`));
    const existing = (
      await t.db.selectFrom("campaigns").select("id").where("brand_id", "=", c.brandId).execute()
    ).map((r) => r.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const res = await page(c.key, `?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.data.map((x: { id: string }) => x.id));
      cursor = res.json.next_cursor;
      // Concurrent writers add rows (through the API and directly) before the next fetch.
      await Promise.all([
        createCampaign(t.db, c.brandId, input(`New${round}a`)),
        apiCall(campaignsRoute, t.db, {
          method: "POST",
          path: "/api/v1/campaigns",
          key: c.key,
          body: { ...validCampaign, name: `New${round}b` },
        }),
      ]);
      round++;
    } while (cursor);

    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existing) expect(seen).toContain(id);
    expect(seen.slice(0, 12).sort()).toEqual([...existing].sort());
  });

  it("keeps microsecond order: rows 0.1 ms apart are neither skipped nor repeated", async () => {
    const c = await createBrandWithKey(t.db, "Micro");
    const camp = await createCampaign(t.db, c.brandId, input("Base"));
    for (let i = 0; i < 6; i++) {
      await t.db
        .insertInto("affiliates")
        .values({
          brand_id: c.brandId,
          email: `m${i}@example.com`,
          name: `M${i}`,
          status: "approved",
          recruit_code: `MICRO${i}XYZ`,
          created_at: sql<Date>`'2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => ${i} * 0.0001)`,
        } as never)
        .execute();
    }
    void camp;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await apiCall(affiliatesRoute, t.db, {
        path: `/api/v1/affiliates?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        key: c.key,
      });
      seen.push(...res.json.data.map((x: { name: string }) => x.name));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["M5", "M4", "M3", "M2", "M1", "M0"]);
  });

  it.each([
    ["?limit=0", "limit"],
    ["?limit=101", "limit"],
    ["?limit=abc", "limit"],
    ["?limit=2.5", "limit"],
    ["?cursor=garbage!", "cursor"],
    [`?cursor=${Buffer.from("[1,2]").toString("base64url")}`, "cursor"],
    // Well-formed but impossible instants (issue 15: these were 500s from PostgreSQL).
    ...[
      "2026-02-30T00:00:00.000000Z",
      "0000-01-01T00:00:00.000000Z",
      "2026-01-01T25:00:00.000000Z",
      "2026-13-01T00:00:00.000000Z",
    ].map((ts) => [
      `?cursor=${Buffer.from(JSON.stringify([ts, "7d3c1c4e-9a0e-4c3f-8e55-0d1f6f7e2b11"])).toString("base64url")}`,
      "cursor",
    ]),
  ])("%s is 400 invalid_request with param", async (qs, param) => {
    const res = await page(a.key, qs);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.any(String), param },
    });
  });

  it("limit=100 is accepted", async () => {
    expect((await page(a.key, "?limit=100")).status).toBe(200);
  });

  it("cursors round-trip and reject tampering", () => {
    const c = {
      createdAt: "2026-01-02T03:04:05.123456Z",
      id: "7d3c1c4e-9a0e-4c3f-8e55-0d1f6f7e2b11",
    };
    const s = encodeCursor(c);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(s)).toEqual(c);
    expect(
      decodeCursor(Buffer.from(JSON.stringify(["2026-01-02", c.id])).toString("base64url")),
    ).toBeNull();
    expect(
      decodeCursor(Buffer.from(JSON.stringify([c.createdAt, "x' or 1=1"])).toString("base64url")),
    ).toBeNull();
  });
});
