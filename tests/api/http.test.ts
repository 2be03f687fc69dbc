import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createBrandWithKey, validCampaign } from "./helpers";
import { startApiServer } from "./server";

describe("/api/v1 over real HTTP (Remix request handler)", () => {
  let t: TestDatabase;
  let server: { url: string; close(): Promise<void> };
  let a: { brandId: string; key: string; keyId: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    server = await startApiServer(testContext(t.db));
    a = await createBrandWithKey(t.db, "HTTP");
  });
  afterAll(async () => {
    await server?.close();
    await t?.drop();
  });

  const req = (p: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set("Authorization", `Bearer ${init.key ?? a.key}`);
    if (init.body) headers.set("Content-Type", "application/json");
    return fetch(server.url + p, { ...init, headers });
  };

  it("creates, reads, pages and patches campaigns", async () => {
    const created = await req("/api/v1/campaigns", {
      method: "POST",
      body: JSON.stringify(validCampaign),
    });
    expect(created.status).toBe(201);
    const campaign = await created.json();
    const got = await req(`/api/v1/campaigns/${campaign.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(campaign);
    const list = await req("/api/v1/campaigns?limit=1");
    expect(await list.json()).toEqual({ data: [campaign], has_more: false, next_cursor: null });
    const patched = await req(`/api/v1/campaigns/${campaign.id}`, {
      method: "PATCH",
      body: JSON.stringify({ name: "Via HTTP" }),
    });
    expect((await patched.json()).name).toBe("Via HTTP");
  });

  it("401 without a key, with WWW-Authenticate", async () => {
    const res = await req("/api/v1/campaigns", { key: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({
      error: { type: "authentication", message: expect.any(String) },
    });
  });

  it("429 with Retry-After when the key's bucket is empty", async () => {
    const c = await createBrandWithKey(t.db, "Busy");
    expect((await req("/api/v1/campaigns", { key: c.key })).status).toBe(200);
    await t.db
      .updateTable("api_rate_limits")
      .set({ tokens: 0, updated_at: sql<Date>`clock_timestamp() + interval '2 seconds'` })
      .where("api_key_id", "=", c.keyId)
      .execute();
    const res = await req("/api/v1/campaigns", { key: c.key });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await res.json()).toEqual({
      error: { type: "rate_limited", message: expect.any(String) },
    });
  });

  it("unknown paths under /api/v1 are JSON 404s (splat route), including deeper ones", async () => {
    for (const p of ["/api/v1/nothing", "/api/v1/campaigns/x/y/z", "/api/v1/"]) {
      const res = await req(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect((await res.json()).error.type).toBe("not_found");
    }
  });

  it("405 for a wrong method, JSON shape, Allow header", async () => {
    const res = await req("/api/v1/affiliates/00000000-0000-4000-8000-000000000000", {
      method: "DELETE",
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect((await res.json()).error.type).toBe("invalid_request");
  });

  it("Idempotency-Key replays over the wire with Idempotent-Replayed", async () => {
    const init = {
      method: "POST",
      body: JSON.stringify({ ...validCampaign, name: "Idem HTTP" }),
      headers: { "Idempotency-Key": "http-1" },
    };
    const r1 = await req("/api/v1/campaigns", init);
    const r2 = await req("/api/v1/campaigns", init);
    expect(r2.status).toBe(r1.status);
    expect(await r2.text()).toBe(await r1.text());
    expect(r2.headers.get("idempotent-replayed")).toBe("true");
  });

  it("serves /api/v1/openapi.json without a key", async () => {
    const res = await req("/api/v1/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect((await res.json()).openapi).toBe("3.1.0");
  });

  it("PUT /api/v1/stripe_connection with a malformed key is 400 param secret_key", async () => {
    const res = await req("/api/v1/stripe_connection", {
      method: "PUT",
      body: JSON.stringify({ secret_key: "nope" }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe("secret_key");
  });
});
