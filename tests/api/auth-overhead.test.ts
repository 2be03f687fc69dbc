/**
 * The API's per-request overhead is one statement: key lookup, a throttled `last_used_at` stamp
 * and the rate-limit token (verifyApiKeyAndTakeToken). Same behaviour as three statements: unknown
 * and revoked keys take no token (401 before 429), a revocation applies to the very next request,
 * the bucket still limits, and `last_used_at` is written at most once a minute per key.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import {
  LAST_USED_RESOLUTION_SECONDS,
  revokeApiKey,
  verifyApiKey,
  verifyApiKeyAndTakeToken,
} from "../../app/services/accounts/api-keys.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey } from "./helpers";

describe("API key check + rate limit in one statement", () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const lastUsed = async (keyId: string) =>
    (
      await t.db
        .selectFrom("api_keys")
        .select("last_used_at")
        .where("id", "=", keyId)
        .executeTakeFirstOrThrow()
    ).last_used_at;
  const bucket = async (keyId: string) =>
    t.db
      .selectFrom("api_rate_limits")
      .select(["tokens", "allowed"])
      .where("api_key_id", "=", keyId)
      .executeTakeFirst();

  it("returns the key and a decision, and takes exactly one token", async () => {
    const c = await createBrandWithKey(t.db, "One");
    const limit = { ratePerSecond: 0.001, burst: 3 };
    const first = await verifyApiKeyAndTakeToken(t.db, c.key, limit);
    expect(first).toEqual({
      key: { id: c.keyId, brandId: c.brandId, name: expect.any(String) },
      rate: { allowed: true, remaining: 2, retryAfterSeconds: 0 },
    });
    expect((await verifyApiKeyAndTakeToken(t.db, c.key, limit))?.rate.remaining).toBe(1);
    expect((await verifyApiKeyAndTakeToken(t.db, c.key, limit))?.rate.allowed).toBe(true);
    const refused = await verifyApiKeyAndTakeToken(t.db, c.key, limit);
    expect(refused?.rate.allowed).toBe(false);
    expect(refused?.rate.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it("takes no token for unknown, malformed or revoked keys", async () => {
    const c = await createBrandWithKey(t.db, "Revoked");
    expect(await verifyApiKeyAndTakeToken(t.db, `rk_live_${"B".repeat(43)}`)).toBeNull();
    expect(await verifyApiKeyAndTakeToken(t.db, "nonsense")).toBeNull();
    await revokeApiKey(t.db, { brandId: c.brandId, id: c.keyId });
    expect(await verifyApiKeyAndTakeToken(t.db, c.key)).toBeNull();
    expect(await bucket(c.keyId)).toBeUndefined();
  });

  it("a revocation applies to the very next request", async () => {
    const c = await createBrandWithKey(t.db, "Next");
    expect(
      (await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key })).status,
    ).toBe(200);
    await revokeApiKey(t.db, { brandId: c.brandId, id: c.keyId });
    const res = await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
    expect(res.status).toBe(401);
  });

  it("429 with Retry-After once the bucket is empty, over HTTP", async () => {
    const c = await createBrandWithKey(t.db, "Empty");
    await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
    await t.db
      .updateTable("api_rate_limits")
      .set({ tokens: 0, updated_at: sql<Date>`clock_timestamp()` })
      .where("api_key_id", "=", c.keyId)
      .execute();
    const res = await apiCall(campaignsRoute, t.db, { path: "/api/v1/campaigns", key: c.key });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });

  it("stamps last_used_at at most once per resolution interval", async () => {
    const c = await createBrandWithKey(t.db, "Stamp");
    expect(await lastUsed(c.keyId)).toBeNull();
    const t0 = new Date("2030-01-01T00:00:00Z");
    await verifyApiKey(t.db, c.key, t0);
    expect((await lastUsed(c.keyId))?.toISOString()).toBe(t0.toISOString());
    // within the interval: not rewritten (no write per request)
    await verifyApiKey(t.db, c.key, new Date(t0.getTime() + 30_000));
    await verifyApiKeyAndTakeToken(
      t.db,
      c.key,
      undefined,
      new Date(t0.getTime() + (LAST_USED_RESOLUTION_SECONDS - 1) * 1000),
    );
    expect((await lastUsed(c.keyId))?.toISOString()).toBe(t0.toISOString());
    // past it: stamped again
    const later = new Date(t0.getTime() + (LAST_USED_RESOLUTION_SECONDS + 1) * 1000);
    await verifyApiKeyAndTakeToken(t.db, c.key, undefined, later);
    expect((await lastUsed(c.keyId))?.toISOString()).toBe(later.toISOString());
  });

  it("concurrent requests never take more tokens than the bucket holds", async () => {
    const c = await createBrandWithKey(t.db, "Concurrent");
    const limit = { ratePerSecond: 0.001, burst: 7 };
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => verifyApiKeyAndTakeToken(t.db, c.key, limit)),
    );
    expect(decisions.filter((d) => d?.rate.allowed)).toHaveLength(7);
  });
});
