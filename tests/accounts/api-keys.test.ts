import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY_PREFIX,
  apiKeyHashesMatch,
  base62Encode,
  formatApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from "../../app/domain/api-key";
import {
  action as apiKeysAction,
  loader as apiKeysLoader,
} from "../../app/routes/app.settings.api-keys";
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from "../../app/services/accounts/api-keys.server";
import { getRequest, postForm, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { bodyOf, call, signUpBrand, statusOf } from "./helpers";
import { loader as appLoader, type BrandLayoutData } from "../../app/routes/app";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe("API key format (domain)", () => {
  it("encodes 32 bytes as 43 base62 characters after rk_live_", () => {
    expect(formatApiKey(new Uint8Array(32))).toBe(API_KEY_PREFIX + "0".repeat(43));
    const max = formatApiKey(new Uint8Array(32).fill(255));
    expect(max).toMatch(/^rk_live_[0-9A-Za-z]{43}$/);
    for (let i = 0; i < 50; i++)
      expect(isWellFormedApiKey(formatApiKey(randomBytes(32)))).toBe(true);
    expect(() => formatApiKey(new Uint8Array(16))).toThrow();
  });

  it("base62 is a faithful big-endian encoding", () => {
    expect(base62Encode(Uint8Array.from([0]))).toBe("");
    expect(base62Encode(Uint8Array.from([61]))).toBe("z");
    expect(base62Encode(Uint8Array.from([62]))).toBe("10");
    expect(base62Encode(Uint8Array.from([1, 0]), 4)).toBe("0048"); // 256 = 4*62 + 8
  });

  it("rejects malformed keys and compares digests in constant time", () => {
    for (const bad of [
      "",
      "rk_live_",
      "rk_test_" + "a".repeat(43),
      "rk_live_" + "a".repeat(42),
      "rk_live_" + "-".repeat(43),
    ]) {
      expect(isWellFormedApiKey(bad)).toBe(false);
    }
    const h = hashApiKey("rk_live_x");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyHashesMatch(h, h)).toBe(true);
    expect(apiKeyHashesMatch(h, hashApiKey("rk_live_y"))).toBe(false);
    expect(apiKeyHashesMatch(h, "")).toBe(false);
  });
});

describe("API key service", () => {
  it("creates, verifies (recording last use) and revokes; only the hash is stored", async () => {
    const { jar } = await signUpBrand(t.db);
    const layout = bodyOf<BrandLayoutData>(
      await call(appLoader, getRequest("/app", jar), testContext(t.db)),
    );
    const brandId = layout.brand.id;

    const created = await createApiKey(t.db, { brandId, name: "  Production  " });
    expect(created.apiKey).toMatch(/^rk_live_[0-9A-Za-z]{43}$/);
    expect(created.prefix).toBe(created.apiKey.slice(0, 12));
    expect(created.name).toBe("Production");

    const row = await t.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashApiKey(created.apiKey));
    expect(row.prefix).toBe(created.prefix);
    expect(row.last_used_at).toBeNull();
    expect(JSON.stringify(row)).not.toContain(created.apiKey);

    const verified = await verifyApiKey(t.db, created.apiKey);
    expect(verified).toEqual({ id: created.id, brandId, name: "Production" });
    const used = await t.db
      .selectFrom("api_keys")
      .select("last_used_at")
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(used.last_used_at).toBeInstanceOf(Date);

    expect(
      await verifyApiKey(
        t.db,
        created.apiKey.slice(0, -1) + (created.apiKey.endsWith("a") ? "b" : "a"),
      ),
    ).toBeNull();
    expect(await verifyApiKey(t.db, "Bearer " + created.apiKey)).toBeNull();
    expect(await verifyApiKey(t.db, "")).toBeNull();

    const revoked = await revokeApiKey(t.db, { brandId, id: created.id });
    expect(revoked?.name).toBe("Production");
    expect(await verifyApiKey(t.db, created.apiKey)).toBeNull();
    // Revoking again keeps the first time; unknown ids and bad ids are null.
    const again = await revokeApiKey(t.db, { brandId, id: created.id });
    expect(again?.revokedAt.getTime()).toBe(revoked?.revokedAt.getTime());
    expect(
      await revokeApiKey(t.db, { brandId, id: "00000000-0000-4000-8000-000000000000" }),
    ).toBeNull();
    expect(await revokeApiKey(t.db, { brandId, id: "not-a-uuid" })).toBeNull();

    const list = await listApiKeys(t.db, brandId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: created.id, prefix: created.prefix, name: "Production" });
    expect(list[0].revokedAt).toBeInstanceOf(Date);
    expect(Object.keys(list[0])).not.toContain("key_hash");
  });
});

describe("API keys page", () => {
  it("shows the full key once on create, lists only the prefix, and revokes", async () => {
    const { jar } = await signUpBrand(t.db);
    const empty = bodyOf<{ keys: unknown[] }>(
      await call(apiKeysLoader, getRequest("/app/settings/api-keys", jar), testContext(t.db)),
    );
    expect(empty.keys).toEqual([]);

    const bad = await call(
      apiKeysAction,
      postForm("/app/settings/api-keys", { intent: "create", name: "  " }, jar),
      testContext(t.db),
    );
    expect(statusOf(bad)).toBe(400);
    expect(bodyOf<{ fieldErrors: { name?: string } }>(bad).fieldErrors.name).toMatch(/name/);

    const made = await call(
      apiKeysAction,
      postForm("/app/settings/api-keys", { intent: "create", name: "Zapier" }, jar),
      testContext(t.db),
    );
    expect(statusOf(made)).toBe(200);
    const created = bodyOf<{ created: { id: string; apiKey: string; prefix: string } }>(
      made,
    ).created;
    expect(await verifyApiKey(t.db, created.apiKey)).not.toBeNull();

    const listed = bodyOf<{
      keys: { id: string; prefix: string; name: string; lastUsedAt: string | null }[];
    }>(await call(apiKeysLoader, getRequest("/app/settings/api-keys", jar), testContext(t.db)));
    expect(listed.keys).toHaveLength(1);
    expect(listed.keys[0]).toMatchObject({
      id: created.id,
      prefix: created.prefix,
      name: "Zapier",
    });
    expect(listed.keys[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(created.apiKey);

    const revoked = await call(
      apiKeysAction,
      postForm("/app/settings/api-keys", { intent: "revoke", id: created.id }, jar),
      testContext(t.db),
    );
    expect(bodyOf(revoked)).toEqual({ intent: "revoke", ok: true, revokedName: "Zapier" });
    expect(await verifyApiKey(t.db, created.apiKey)).toBeNull();
  });
});
