/**
 * Issue 15, input hygiene at the API boundary: NUL and unpaired surrogates -> 400 naming the param,
 * nothing written; deep JSON -> 400; Postgres unavailable -> 503 + Retry-After (never 500).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "../../app/db/db.server";
import { freePort } from "../../app/db/embedded.server";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import * as conversionsRoute from "../../app/routes/api.v1.conversions";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, validCampaign } from "./helpers";

describe("hostile text at the API", () => {
  let t: TestDatabase;
  let a: { brandId: string; key: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createBrandWithKey(t.db, "Hostile");
  });
  afterAll(async () => {
    await t?.drop();
  });

  const rows = async () => {
    const { rows } = await sql<{ n: string }>`
      select (select count(*) from campaigns) + (select count(*) from conversions) as n`.execute(
      t.db,
    );
    return Number(rows[0].n);
  };

  it.each([
    ["NUL in a name", { ...validCampaign, name: "Part\u0000ners" }, "name", /NUL/],
    ["a lone high surrogate", { ...validCampaign, name: "Partners \ud800" }, "name", /surrogate/],
    ["a lone low surrogate", { ...validCampaign, name: "\udc00" }, "name", /surrogate/],
    [
      "NUL in a nested value",
      { ...validCampaign, commission: { type: "flat", amount: 500, currency: "us\u0000" } },
      "commission.currency",
      /NUL/,
    ],
  ])("POST /campaigns with %s -> 400 with param, nothing written", async (_, body, param, msg) => {
    const before = await rows();
    const res = await apiCall(campaignsRoute, t.db, {
      method: "POST",
      path: "/api/v1/campaigns",
      key: a.key,
      body,
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.stringMatching(msg), param },
    });
    expect(await rows()).toBe(before);
  });

  it("two external_ids that differ only in a lone surrogate are refused, not merged into U+FFFD", async () => {
    const before = await rows();
    for (const external_id of ["order-\ud800", "order-\udbff"]) {
      const res = await apiCall(conversionsRoute, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: { external_id, amount: 1000, currency: "usd", affiliate_id: crypto.randomUUID() },
      });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { type: "invalid_request", param: "external_id" } });
    }
    expect(await rows()).toBe(before);
  });

  it("NUL in a query parameter -> 400 naming it", async () => {
    const res = await apiCall(conversionsRoute, t.db, {
      path: "/api/v1/conversions?status=%00",
      key: a.key,
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { type: "invalid_request", param: "status" } });
  });

  it("JSON nested 100,000 levels deep -> 400, nothing written", async () => {
    const before = await rows();
    const res = await apiCall(campaignsRoute, t.db, {
      method: "POST",
      path: "/api/v1/campaigns",
      key: a.key,
      rawBody: `{"name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: "The request body nests deeper than 32 levels." },
    });
    expect(await rows()).toBe(before);
  });

  it("a body over 256 KB -> 413 in the error shape", async () => {
    const res = await apiCall(campaignsRoute, t.db, {
      method: "POST",
      path: "/api/v1/campaigns",
      key: a.key,
      rawBody: JSON.stringify({ ...validCampaign, name: "x".repeat(300 * 1024) }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: "The request body is larger than 256 KB." },
    });
  });

  it("Postgres unavailable -> 503 service_unavailable with Retry-After", async () => {
    const port = await freePort();
    const down = createDb(createPool(`postgres://nobody@127.0.0.1:${port}/none`, 1));
    try {
      const res = await apiCall(campaignsRoute, down, {
        path: "/api/v1/campaigns",
        key: a.key,
        context: testContext(down),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("Retry-After")).toBe("5");
      expect(res.json).toEqual({
        error: {
          type: "service_unavailable",
          message: "The service is briefly unavailable. Retry after a few seconds.",
        },
      });
    } finally {
      await down.destroy();
    }
  });
});
