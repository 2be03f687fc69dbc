import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../app/context.server";
import * as route from "../../app/routes/api.v1.stripe_connection";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey } from "./helpers";

/** A Stripe API stand-in that fails every call with the given status. */
async function failingStripe(
  status: number,
): Promise<{ url: string; close(): Promise<void>; calls: () => number }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    req.resume();
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        error:
          status === 401
            ? {
                type: "invalid_request_error",
                message: "Invalid API Key provided: rk_test_****1234",
              }
            : { type: "api_error", message: "Stripe is having a bad day." },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("/api/v1/stripe_connection", () => {
  let t: TestDatabase;
  let emu: StripeEmulator;
  let ctx: AppContext;

  beforeAll(async () => {
    t = await createTestDatabase();
    emu = await startStripeEmulator({ port: 0, deliver: false });
    ctx = testContext(t.db, {
      config: testConfig({ STRIPE_API_BASE: emu.url, APP_URL: "https://rekomi.example.com" }),
    });
  });
  afterAll(async () => {
    await emu?.close();
    await t?.drop();
  });

  const call = (key: string, method: string, body?: unknown, context = ctx) =>
    apiCall(route, t.db, { method, path: "/api/v1/stripe_connection", key, body, context });

  it("GET before connecting, PUT connects, GET shows it, DELETE disconnects (idempotently)", async () => {
    const a = await createBrandWithKey(t.db);
    expect((await call(a.key, "GET")).json).toEqual({
      connected: false,
      webhook_endpoint_id: null,
      livemode: null,
    });

    const put = await call(a.key, "PUT", { secret_key: "rk_test_apiConnect1234abcd" });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      connected: true,
      webhook_endpoint_id: expect.stringMatching(/^we_/),
      livemode: false,
    });
    expect(Object.keys(put.json).sort()).toEqual(["connected", "livemode", "webhook_endpoint_id"]);

    const get = await call(a.key, "GET");
    expect(get.json).toEqual(put.json);

    const del = await call(a.key, "DELETE");
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ connected: false, webhook_endpoint_id: null, livemode: null });
    const again = await call(a.key, "DELETE");
    expect(again.status).toBe(200);
    expect(again.json.connected).toBe(false);
  });

  it("each brand sees only its own connection", async () => {
    const a = await createBrandWithKey(t.db);
    const b = await createBrandWithKey(t.db);
    await call(a.key, "PUT", { secret_key: "rk_test_brandAonly1234abcd" });
    expect((await call(b.key, "GET")).json.connected).toBe(false);
    await call(b.key, "DELETE");
    expect((await call(a.key, "GET")).json.connected).toBe(true);
  });

  it.each([
    [{ secret_key: "pk_test_publishable1234" }, "secret_key"],
    [{ secret_key: "hello" }, "secret_key"],
    [{ secret_key: "" }, "secret_key"],
    [{}, "secret_key"],
    [{ secret_key: 42 }, "secret_key"],
    [{ secret_key: "rk_test_apiConnect1234abcd", extra: true }, "extra"],
  ])("a malformed key is 400 invalid_request param secret_key (%#)", async (body, param) => {
    const a = await createBrandWithKey(t.db);
    const res = await call(a.key, "PUT", body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.any(String), param },
    });
    expect((await call(a.key, "GET")).json.connected).toBe(false);
  });

  it.each([401, 500])(
    "Stripe answering %i is 502 stripe_error with Stripe's reason, nothing stored",
    async (status) => {
      const stub = await failingStripe(status);
      try {
        const a = await createBrandWithKey(t.db);
        const context = testContext(t.db, { config: testConfig({ STRIPE_API_BASE: stub.url }) });
        const res = await call(a.key, "PUT", { secret_key: "rk_test_refusedKey1234abcd" }, context);
        expect(res.status).toBe(502);
        expect(res.json).toEqual({
          error: { type: "stripe_error", message: expect.any(String), param: "secret_key" },
        });
        expect(res.json.error.message).toMatch(
          status === 401 ? /Invalid API Key/ : /bad day|Stripe/,
        );
        expect(stub.calls()).toBeGreaterThanOrEqual(1);
        const row = await t.db
          .selectFrom("stripe_connections")
          .select("brand_id")
          .where("brand_id", "=", a.brandId)
          .executeTakeFirst();
        expect(row).toBeUndefined();
      } finally {
        await stub.close();
      }
    },
  );

  it("405 for POST and PATCH", async () => {
    const a = await createBrandWithKey(t.db);
    for (const method of ["POST", "PATCH"]) {
      const res = await call(a.key, method, {});
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("GET, PUT, DELETE");
    }
  });
});
