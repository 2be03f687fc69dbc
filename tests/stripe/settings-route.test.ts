import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../app/context.server";
import {
  action,
  loader,
  type StripeSettingsActionData,
} from "../../app/routes/app.settings.stripe/route";
import { loadStripeCredentials } from "../../app/services/stripe-account/stripe-connection.server";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import {
  getRequest,
  postForm,
  settle,
  testConfig,
  testContext,
  type CookieJar,
} from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { callIntake, createBrand, makeEvent, sign, signedInOwner, webhookRequest } from "./helpers";

type Args = Parameters<typeof loader>[0];
const PATH = "/app/settings/stripe";

interface Unwrapped<T> {
  status: number;
  data: T;
}

/** `data()` results (single fetch) carry `{ type: "DataWithResponseInit", data, init }`. */
function unwrap<T>(result: unknown): Unwrapped<T> {
  const r = result as { type?: string; data?: T; init?: { status?: number } | null };
  if (r && r.type === "DataWithResponseInit")
    return { status: r.init?.status ?? 200, data: r.data as T };
  return { status: 200, data: result as T };
}

describe("Settings → Stripe route", () => {
  let t: TestDatabase;
  let emu: StripeEmulator;
  let ctx: AppContext;
  let brandId: string;
  let jar: CookieJar;

  beforeAll(async () => {
    t = await createTestDatabase();
    emu = await startStripeEmulator({ port: 0, deliver: false });
    ctx = testContext(t.db, { config: testConfig({ STRIPE_API_BASE: emu.url }) });
    brandId = await createBrand(t.db);
    jar = await signedInOwner(ctx, brandId);
  });
  afterAll(async () => {
    await emu?.close();
    await t?.drop();
  });

  const load = async () =>
    loader({ request: getRequest(PATH, jar), params: {}, context: ctx } as Args);
  const post = async (fields: Record<string, string>, opts?: { csrf?: string | null }) =>
    unwrap<StripeSettingsActionData>(
      await action({
        request: postForm(PATH, fields, jar, opts),
        params: {},
        context: ctx,
      } as Args),
    );

  it("requires a signed-in brand user", async () => {
    const response = (await settle(
      loader({ request: getRequest(PATH), params: {}, context: ctx } as Args),
    )) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
  });

  it("shows the not-connected state with an empty event log", async () => {
    const data = await load();
    expect(data.connection.connected).toBe(false);
    expect(data.events).toEqual([]);
    expect(data.webhookUrl).toBe(`http://localhost:3000/webhooks/stripe/${brandId}`);
  });

  it("refuses a POST without the CSRF token", async () => {
    const response = (await settle(
      action({
        request: postForm(PATH, { intent: "connect", secret_key: "rk_test_abcdefgh12345" }, jar, {
          csrf: null,
        }),
        params: {},
        context: ctx,
      } as Args),
    )) as Response;
    expect(response.status).toBe(403);
    expect((await load()).connection.connected).toBe(false);
  });

  it("shows a field error for a bad key and stores nothing", async () => {
    const result = await post({ intent: "connect", secret_key: "pk_live_abcdefgh12345" });
    expect(result.status).toBe(400);
    expect(result.data).toMatchObject({
      intent: "connect",
      ok: false,
      fieldErrors: { secret_key: expect.stringMatching(/publishable/) },
    });
    expect((await load()).connection.connected).toBe(false);
  });

  it("connects, then lists events, retries a failed one, and disconnects", async () => {
    const connected = await post({ intent: "connect", secret_key: "rk_test_settingsKeyAbcd9876" });
    expect(connected.data).toEqual({ intent: "connect", ok: true, replaced: false, warning: null });
    const page = await load();
    expect(page.connection).toMatchObject({
      connected: true,
      livemode: false,
      keyDisplay: "rk_test_…9876",
    });
    expect(page.connection.webhookEndpointId).toMatch(/^we_/);
    expect(JSON.stringify(page)).not.toContain("rk_test_settingsKeyAbcd9876");

    // An event arrives and its processing fails.
    const creds = await loadStripeCredentials(t.db, ctx.config, brandId);
    const body = JSON.stringify(makeEvent({ type: "invoice.paid" }));
    const response = await callIntake(
      ctx,
      brandId,
      webhookRequest(brandId, body, { "Stripe-Signature": sign(body, creds!.webhookSecret) }),
    );
    expect(response.status).toBe(200);
    const [event] = (await load()).events;
    await expect(
      processStripeEvent(t.db, { config: ctx.config }, event.id, {
        "invoice.paid": async () => {
          throw new Error("No such invoice: 'in_123'");
        },
      }),
    ).rejects.toThrow();
    const failed = (await load()).events[0];
    expect(failed).toMatchObject({
      type: "invoice.paid",
      status: "failed",
      error: "No such invoice: 'in_123'",
      attempts: 1,
    });

    // Another brand cannot retry it.
    const otherBrand = await createBrand(t.db, "Other");
    const otherJar = await signedInOwner(ctx, otherBrand);
    const foreign = (await settle(
      action({
        request: postForm(PATH, { intent: "retry", eventId: event.id }, otherJar),
        params: {},
        context: ctx,
      } as Args),
    )) as Response;
    expect(foreign.status).toBe(404);

    const retried = await post({ intent: "retry", eventId: event.id });
    expect(retried.data).toEqual({
      intent: "retry",
      ok: true,
      message: "Event queued for another attempt.",
    });
    expect((await load()).events[0]).toMatchObject({ status: "pending", error: null });
    expect((await post({ intent: "retry", eventId: event.id })).data).toMatchObject({ ok: false });

    // Reconnect replaces the endpoint.
    const again = await post({ intent: "connect", secret_key: "rk_test_settingsKeyAbcd9876" });
    expect(again.data).toMatchObject({ intent: "connect", ok: true, replaced: true });

    const disconnected = await post({ intent: "disconnect" });
    expect(disconnected.data).toEqual({ intent: "disconnect", ok: true, warning: null });
    const after = await load();
    expect(after.connection.connected).toBe(false);
    expect(after.events).toHaveLength(1); // the log stays
  });
});
