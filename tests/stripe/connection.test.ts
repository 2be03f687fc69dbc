import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../app/context.server";
import {
  STRIPE_WEBHOOK_EVENTS,
  connectStripe,
  disconnectStripe,
  getStripeConnection,
  loadStripeCredentials,
  maskStripeKey,
} from "../../app/services/stripe-account/stripe-connection.server";
import { stripeConnectionJson } from "../../app/api/serializers/stripe-connection.server";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createBrand } from "./helpers";

describe("Stripe connection service (against the emulator)", () => {
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

  const sdk = (key: string) => new Stripe(key, { ...emu.stripeOptions });

  it("creates the webhook endpoint on the brand's account and stores key and secret encrypted", async () => {
    const brandId = await createBrand(t.db);
    const key = "rk_test_connectAaaaBbbb1234";
    const result = await connectStripe(t.db, ctx.config, brandId, `  ${key}  `);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.replacedEndpointId).toBeNull();

    const endpoint = await sdk(key).webhookEndpoints.retrieve(
      result.connection.webhook_endpoint_id!,
    );
    expect(endpoint.url).toBe(`https://rekomi.example.com/webhooks/stripe/${brandId}`);
    expect([...endpoint.enabled_events].sort()).toEqual([...STRIPE_WEBHOOK_EVENTS].sort());
    expect(endpoint.enabled_events).toHaveLength(7);
    expect(endpoint.api_version).toBe("2026-10-28.endive");
    expect(endpoint.status).toBe("enabled");

    const row = await t.db
      .selectFrom("stripe_connections")
      .selectAll()
      .where("brand_id", "=", brandId)
      .executeTakeFirstOrThrow();
    expect(row.secret_key_encrypted).not.toContain(key);
    expect(row.secret_key_encrypted.startsWith("v1:")).toBe(true);
    expect(row.webhook_secret_encrypted.startsWith("v1:")).toBe(true);
    expect(row.webhook_secret_encrypted).not.toContain("whsec_");
    expect(row.key_display).toBe("rk_test_…1234");
    expect(row.livemode).toBe(false);

    const creds = await loadStripeCredentials(t.db, ctx.config, brandId);
    expect(creds?.secretKey).toBe(key);
    expect(creds?.webhookSecret).toMatch(/^whsec_/);
    expect(creds?.webhookEndpointId).toBe(endpoint.id);

    const status = await getStripeConnection(t.db, ctx.config, brandId);
    expect(stripeConnectionJson(status)).toEqual({
      connected: true,
      webhook_endpoint_id: endpoint.id,
      livemode: false,
    });
    expect(JSON.stringify(status)).not.toContain(key);
    expect(JSON.stringify(status)).not.toContain("whsec_");
  });

  it("reports not connected for a brand without a connection", async () => {
    const brandId = await createBrand(t.db);
    expect(stripeConnectionJson(await getStripeConnection(t.db, ctx.config, brandId))).toEqual({
      connected: false,
      webhook_endpoint_id: null,
      livemode: null,
    });
    expect(await loadStripeCredentials(t.db, ctx.config, brandId)).toBeNull();
  });

  it("rejects keys of the wrong shape without calling Stripe or storing anything", async () => {
    const brandId = await createBrand(t.db);
    for (const bad of [
      "",
      "pk_test_abcdefghijkl",
      "sk_prod_abcdefghijkl",
      "rk_test_short",
      "hello",
      42,
    ]) {
      const result = await connectStripe(t.db, ctx.config, brandId, bad);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.source).toBe("validation");
        expect(result.field).toBe("secret_key");
      }
    }
    const pk = await connectStripe(t.db, ctx.config, brandId, "pk_test_abcdefghijkl");
    expect(!pk.ok && pk.message).toMatch(/publishable key/);
    expect(
      await t.db
        .selectFrom("stripe_connections")
        .select("brand_id")
        .where("brand_id", "=", brandId)
        .execute(),
    ).toHaveLength(0);
  });

  it("returns Stripe's reason for a key Stripe refuses and stores nothing", async () => {
    // A Stripe-compatible server answering like Stripe does for a revoked or mistyped key.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.statusCode = 401;
        res.setHeader("Content-Type", "application/json");
        res.end(
          JSON.stringify({
            error: {
              type: "invalid_request_error",
              message: "Invalid API Key provided: rk_test_****************9999",
            },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const config = testConfig({
        STRIPE_API_BASE: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      const brandId = await createBrand(t.db);
      const result = await connectStripe(t.db, config, brandId, "rk_test_revokedKeyZzzz9999");
      expect(result).toEqual({
        ok: false,
        field: "secret_key",
        source: "stripe",
        message: "Invalid API Key provided: rk_test_****************9999",
      });
      expect(
        await t.db
          .selectFrom("stripe_connections")
          .select("brand_id")
          .where("brand_id", "=", brandId)
          .execute(),
      ).toHaveLength(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("reports an unreachable Stripe as a connection failure and stores nothing", async () => {
    const config = testConfig({ STRIPE_API_BASE: "http://127.0.0.1:9" });
    const brandId = await createBrand(t.db);
    const result = await connectStripe(t.db, config, brandId, "rk_test_unreachable00001");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/Could not reach Stripe/);
    expect(
      await t.db
        .selectFrom("stripe_connections")
        .select("brand_id")
        .where("brand_id", "=", brandId)
        .execute(),
    ).toHaveLength(0);
  }, 30_000);

  it("reconnecting replaces the endpoint and deletes the previous one", async () => {
    const brandId = await createBrand(t.db);
    const first = await connectStripe(t.db, ctx.config, brandId, "rk_test_firstKeyAaaa0001");
    const second = await connectStripe(t.db, ctx.config, brandId, "rk_test_secondKeyBbbb0002");
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    const firstId = first.connection.webhook_endpoint_id!;
    const secondId = second.connection.webhook_endpoint_id!;
    expect(secondId).not.toBe(firstId);
    expect(second.replacedEndpointId).toBe(firstId);
    expect(second.warning).toBeUndefined();

    const gone = await sdk("rk_test_firstKeyAaaa0001")
      .webhookEndpoints.retrieve(firstId)
      .catch((e: unknown) => e);
    expect((gone as { statusCode?: number }).statusCode).toBe(404);
    expect((await sdk("rk_test_secondKeyBbbb0002").webhookEndpoints.retrieve(secondId)).id).toBe(
      secondId,
    );

    const rows = await t.db
      .selectFrom("stripe_connections")
      .selectAll()
      .where("brand_id", "=", brandId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].webhook_endpoint_id).toBe(secondId);
    expect(rows[0].key_display).toBe("rk_test_…0002");
    expect((await loadStripeCredentials(t.db, ctx.config, brandId))?.secretKey).toBe(
      "rk_test_secondKeyBbbb0002",
    );
  });

  it("disconnecting deletes the endpoint and the row", async () => {
    const brandId = await createBrand(t.db);
    const key = "rk_test_disconnectCccc0003";
    const connected = await connectStripe(t.db, ctx.config, brandId, key);
    if (!connected.ok) throw new Error("connect failed");
    const endpointId = connected.connection.webhook_endpoint_id!;

    const result = await disconnectStripe(t.db, ctx.config, brandId);
    expect(result).toEqual({ ok: true, endpointDeleted: true, webhookEndpointId: endpointId });
    const list = await sdk(key).webhookEndpoints.list();
    expect(list.data.map((e) => e.id)).not.toContain(endpointId);
    expect((await getStripeConnection(t.db, ctx.config, brandId)).connected).toBe(false);

    expect(await disconnectStripe(t.db, ctx.config, brandId)).toEqual({
      ok: false,
      reason: "not_connected",
    });
  });

  it("disconnect still removes the row when Stripe cannot delete the endpoint, and says so", async () => {
    const brandId = await createBrand(t.db);
    const key = "rk_test_alreadyGoneDddd0004";
    const connected = await connectStripe(t.db, ctx.config, brandId, key);
    if (!connected.ok) throw new Error("connect failed");
    // Stripe unreachable at disconnect time.
    const offline = testConfig({ STRIPE_API_BASE: "http://127.0.0.1:9" });
    const result = await disconnectStripe(t.db, offline, brandId);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.endpointDeleted).toBe(false);
    expect(result.warning).toMatch(/could not be deleted in Stripe/);
    expect((await getStripeConnection(t.db, ctx.config, brandId)).connected).toBe(false);
  }, 30_000);

  it("an endpoint already deleted in Stripe counts as deleted", async () => {
    const brandId = await createBrand(t.db);
    const key = "rk_test_deletedByHandEeee0005";
    const connected = await connectStripe(t.db, ctx.config, brandId, key);
    if (!connected.ok) throw new Error("connect failed");
    await sdk(key).webhookEndpoints.del(connected.connection.webhook_endpoint_id!);
    const result = await disconnectStripe(t.db, ctx.config, brandId);
    expect(result.ok && result.endpointDeleted).toBe(true);
  });

  it("masks keys for display", () => {
    expect(maskStripeKey("rk_live_51AbcdefghijkLMNOP")).toBe("rk_live_…MNOP");
    expect(maskStripeKey("sk_test_abcdefgh1234")).toBe("sk_test_…1234");
  });
});
