import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeToken } from "../../app/db/rate-limit.server";
import * as splatRoute from "../../app/routes/api.v1.$";
import * as affiliatesRoute from "../../app/routes/api.v1.affiliates";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import { revokeApiKey } from "../../app/services/accounts/api-keys.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, validCampaign } from "./helpers";

describe("/api/v1 plumbing", () => {
  let t: TestDatabase;
  let a: { brandId: string; key: string; keyId: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createBrandWithKey(t.db, "A");
  });
  afterAll(async () => {
    await t?.drop();
  });

  const countCampaigns = async (brandId: string) =>
    Number(
      (
        await t.db
          .selectFrom("campaigns")
          .select((e) => e.fn.countAll<string>().as("n"))
          .where("brand_id", "=", brandId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe("authentication", () => {
    it.each([
      ["missing", {}],
      ["not Bearer", { Authorization: `Basic ${Buffer.from("x:y").toString("base64")}` }],
      ["Bearer without a key", { Authorization: "Bearer" }],
      ["malformed key", { Authorization: "Bearer rk_live_short" }],
      ["unknown well-formed key", { Authorization: `Bearer rk_live_${"A".repeat(43)}` }],
    ])("401 authentication when the key is %s", async (_label, headers) => {
      const res = await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", headers });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { type: "authentication", message: expect.any(String) } });
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    });

    it("a revoked key is 401, and writes nothing", async () => {
      const c = await createBrandWithKey(t.db, "Revoked");
      expect(
        (await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key })).status,
      ).toBe(200);
      await revokeApiKey(t.db, { brandId: c.brandId, id: c.keyId });
      const get = await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
      expect(get.status).toBe(401);
      expect(get.json.error.type).toBe("authentication");
      const post = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
      });
      expect(post.status).toBe(401);
      expect(await countCampaigns(c.brandId)).toBe(0);
    });

    it("records last_used_at on the key", async () => {
      const c = await createBrandWithKey(t.db, "Used");
      await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
      const row = await t.db
        .selectFrom("api_keys")
        .select("last_used_at")
        .where("id", "=", c.keyId)
        .executeTakeFirstOrThrow();
      expect(row.last_used_at).toBeInstanceOf(Date);
    });
  });

  describe("request bodies", () => {
    it("invalid JSON is 400 invalid_request", async () => {
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        rawBody: "{not json",
        headers: { "Content-Type": "application/json" },
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: { type: "invalid_request", message: "The request body is not valid JSON." },
      });
    });

    it("a JSON array or scalar body is 400", async () => {
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        body: [validCampaign],
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/JSON object/);
    });

    it("a form-encoded body is 400 with a clear message", async () => {
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        rawBody: "name=x",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/Content-Type: application\/json/);
    });

    it("a body over the size cap is 413 (issue 15), nothing written", async () => {
      const before = await countCampaigns(a.brandId);
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        body: { ...validCampaign, name: "x".repeat(300 * 1024) },
      });
      expect(res.status).toBe(413);
      expect(res.json.error.message).toMatch(/larger than 256 KB/);
      expect(await countCampaigns(a.brandId)).toBe(before);
    });

    it("an empty body names the first missing field", async () => {
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({
        type: "invalid_request",
        message: expect.any(String),
        param: "name",
      });
    });
  });

  describe("unknown paths and methods", () => {
    it("any unknown /api/v1 path is a JSON 404, whatever the method", async () => {
      for (const method of ["GET", "POST", "DELETE"]) {
        const res = await apiCall(splatRoute as never, t.db, {
          method,
          path: "/api/v1/nope/at/all",
          key: a.key,
          params: { "*": "nope/at/all" },
        });
        expect(res.status).toBe(404);
        expect(res.json).toEqual({
          error: { type: "not_found", message: expect.stringContaining("/api/v1/nope/at/all") },
        });
      }
    });

    it("405 for an unsupported method is checked before the key", async () => {
      const res = await apiCall(campaignsRoute, t.db, { method: "PUT", path: "/api/v1/campaigns" });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("GET, POST");
      expect(res.json.error.type).toBe("invalid_request");
    });
  });

  describe("Idempotency-Key", () => {
    it("the same key and body replays the first response (status + identical body) and creates one row", async () => {
      const c = await createBrandWithKey(t.db, "Idem");
      const headers = { "Idempotency-Key": "create-partners-1" };
      const first = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      const second = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.text).toBe(first.text);
      expect(second.headers.get("Idempotent-Replayed")).toBe("true");
      expect(await countCampaigns(c.brandId)).toBe(1);
    });

    it("the same key with a different body is 409 conflict and writes nothing", async () => {
      const c = await createBrandWithKey(t.db, "Idem2");
      const headers = { "Idempotency-Key": "k-1" };
      await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: { ...validCampaign, name: "Other" },
        headers,
      });
      expect(res.status).toBe(409);
      expect(res.json).toEqual({
        error: { type: "conflict", message: expect.stringMatching(/Idempotency-Key/) },
      });
      expect(await countCampaigns(c.brandId)).toBe(1);
    });

    it("keys are scoped per API key: another brand's key with the same value is independent", async () => {
      const c = await createBrandWithKey(t.db, "Idem3");
      const d = await createBrandWithKey(t.db, "Idem4");
      const headers = { "Idempotency-Key": "shared-value" };
      const r1 = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      const r2 = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: d.key,
        body: validCampaign,
        headers,
      });
      expect(r1.status).toBe(201);
      expect(r2.status).toBe(201);
      expect(r2.json.id).not.toBe(r1.json.id);
      expect(await countCampaigns(c.brandId)).toBe(1);
      expect(await countCampaigns(d.brandId)).toBe(1);
    });

    it("concurrent duplicates create one row and all get the same response", async () => {
      const c = await createBrandWithKey(t.db, "Race");
      const headers = { "Idempotency-Key": "race-1" };
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          apiCall(campaignsRoute, t.db, {
            method: "POST",
            path: "/api/v1/campaigns",
            key: c.key,
            body: validCampaign,
            headers,
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
      expect(new Set(results.map((r) => r.text)).size).toBe(1);
      expect(await countCampaigns(c.brandId)).toBe(1);
    });

    it("a 400 is not stored: the client can fix the body and reuse the key", async () => {
      const c = await createBrandWithKey(t.db, "Fix");
      const headers = { "Idempotency-Key": "fix-1" };
      const bad = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: { ...validCampaign, destination_url: "nope" },
        headers,
      });
      expect(bad.status).toBe(400);
      const good = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      expect(good.status).toBe(201);
      const again = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      expect(again.text).toBe(good.text);
      expect(await countCampaigns(c.brandId)).toBe(1);
    });

    it("a stored 4xx outcome (409 email conflict) is replayed too", async () => {
      const c = await createBrandWithKey(t.db, "Aff");
      const camp = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
      });
      const body = { email: "sam@example.com", name: "Sam", campaign_id: camp.json.id };
      await apiCall(affiliatesRoute, t.db, {
        method: "POST",
        path: "/api/v1/affiliates",
        key: c.key,
        body,
      });
      const headers = { "Idempotency-Key": "aff-dup" };
      const r1 = await apiCall(affiliatesRoute, t.db, {
        method: "POST",
        path: "/api/v1/affiliates",
        key: c.key,
        body,
        headers,
      });
      const r2 = await apiCall(affiliatesRoute, t.db, {
        method: "POST",
        path: "/api/v1/affiliates",
        key: c.key,
        body,
        headers,
      });
      expect(r1.status).toBe(409);
      expect(r2.status).toBe(409);
      expect(r2.text).toBe(r1.text);
      expect(r2.headers.get("Idempotent-Replayed")).toBe("true");
    });

    it("an expired key (older than 24 h) is claimed afresh", async () => {
      const c = await createBrandWithKey(t.db, "Expired");
      const headers = { "Idempotency-Key": "old" };
      const r1 = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
        headers,
      });
      await t.db
        .updateTable("api_idempotency_keys")
        .set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where("api_key_id", "=", c.keyId)
        .execute();
      const r2 = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: { ...validCampaign, name: "New" },
        headers,
      });
      expect(r2.status).toBe(201);
      expect(r2.json.id).not.toBe(r1.json.id);
      expect(await countCampaigns(c.brandId)).toBe(2);
    });

    it("an over-long key is 400", async () => {
      const res = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        body: validCampaign,
        headers: { "Idempotency-Key": "k".repeat(256) },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/Idempotency-Key/);
    });
  });

  describe("rate limit", () => {
    /** Empty the key's bucket, as 200 requests within a moment would (no refill for ~2 s). */
    const drain = (keyId: string) =>
      t.db
        .updateTable("api_rate_limits")
        .set({ tokens: 0, updated_at: sql<Date>`clock_timestamp() + interval '2 seconds'` })
        .where("api_key_id", "=", keyId)
        .execute();

    it("429 rate_limited with Retry-After once the key's bucket is empty; other keys unaffected", async () => {
      const c = await createBrandWithKey(t.db, "Busy");
      const other = await createBrandWithKey(t.db, "Calm");
      const ok = await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
      expect(ok.status).toBe(200);
      expect(Number(ok.headers.get("X-RateLimit-Remaining"))).toBe(199);
      await drain(c.keyId);
      const limited = await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: c.key,
        body: validCampaign,
      });
      expect(limited.status).toBe(429);
      expect(limited.json).toEqual({
        error: { type: "rate_limited", message: expect.any(String) },
      });
      expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(await countCampaigns(c.brandId)).toBe(0);
      expect(
        (await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: other.key })).status,
      ).toBe(200);
    });

    it("the bucket allows a burst, then refills at the rate", async () => {
      const c = await createBrandWithKey(t.db, "Bucket");
      const limit = { ratePerSecond: 1, burst: 3 };
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await takeToken(t.db, c.keyId, limit));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(decisions[3].retryAfterSeconds).toBe(1);
      // One second later one token is back.
      await t.db
        .updateTable("api_rate_limits")
        .set({ updated_at: sql<Date>`clock_timestamp() - interval '1.1 seconds'` })
        .where("api_key_id", "=", c.keyId)
        .execute();
      expect((await takeToken(t.db, c.keyId, limit)).allowed).toBe(true);
      expect((await takeToken(t.db, c.keyId, limit)).allowed).toBe(false);
    });

    it("concurrent requests never take more tokens than the bucket holds", async () => {
      const c = await createBrandWithKey(t.db, "Concurrent");
      const limit = { ratePerSecond: 0.001, burst: 10 };
      const decisions = await Promise.all(
        Array.from({ length: 25 }, () => takeToken(t.db, c.keyId, limit)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    });
  });
});
