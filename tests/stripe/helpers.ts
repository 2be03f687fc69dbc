import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import Stripe from "stripe";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { sessionStorage } from "../../app/auth/session.server";
import { encryptSecret } from "../../app/lib/crypto.server";
import { action as intakeAction } from "../../app/routes/webhooks.stripe.$brandId";
import { CookieJar } from "../helpers/context";

/** A brand (with an owner signed in when `withUser`), inserted directly. */
export async function createBrand(db: DB, name = "Acme"): Promise<string> {
  const brand = await db
    .insertInto("brands")
    .values({ name, plan: "growth", trial_ends_at: new Date(Date.now() + 14 * 86_400_000) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return brand.id;
}

/** A brand owner with a live session; returns a cookie jar that is signed in. */
export async function signedInOwner(ctx: AppContext, brandId: string): Promise<CookieJar> {
  const user = await ctx.db
    .insertInto("users")
    .values({
      email: `owner-${randomUUID()}@example.com`,
      name: "Owner",
      password_hash: "x",
      email_verified_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto("brand_members")
    .values({ brand_id: brandId, user_id: user.id, role: "owner" })
    .execute();
  const storage = sessionStorage(ctx);
  const session = await storage.getSession();
  session.set("userId", user.id);
  const setCookie = await storage.commitSession(session);
  return new CookieJar().absorb(new Response(null, { headers: { "Set-Cookie": setCookie } }));
}

/** Store a connection row directly (for intake tests that do not need a real endpoint). */
export async function insertConnection(
  ctx: AppContext,
  brandId: string,
  opts: { webhookSecret: string; livemode?: boolean; secretKey?: string },
): Promise<void> {
  const key = ctx.config.encryptionKey;
  await ctx.db
    .insertInto("stripe_connections")
    .values({
      brand_id: brandId,
      secret_key_encrypted: encryptSecret(
        key,
        opts.secretKey ?? "rk_test_intakeKey1234",
        `stripe_connections:${brandId}:secret_key`,
      ),
      webhook_secret_encrypted: encryptSecret(
        key,
        opts.webhookSecret,
        `stripe_connections:${brandId}:webhook_secret`,
      ),
      webhook_endpoint_id: "we_test_intake",
      livemode: opts.livemode ?? false,
      key_display: "rk_test_…1234",
    })
    .execute();
}

export function makeEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `evt_${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "invoice.paid",
    data: { object: { id: "in_123", object: "invoice", discounts: [] } },
    ...overrides,
  };
}

export function sign(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

export function webhookRequest(
  brandId: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Request {
  return new Request(`http://localhost:3000/webhooks/stripe/${brandId}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", ...headers },
    // Required by Node's fetch for stream bodies.
    ...(typeof body === "string" ? {} : { duplex: "half" }),
  } as RequestInit);
}

export async function callIntake(
  ctx: AppContext,
  brandId: string,
  request: Request,
): Promise<Response> {
  const args = { request, params: { brandId }, context: ctx } as unknown as Parameters<
    typeof intakeAction
  >[0];
  return (await intakeAction(args)) as Response;
}

export async function counts(db: DB): Promise<{ events: number; jobs: number }> {
  const { rows } = await sql<{ events: number; jobs: number }>`
    select (select count(*)::int from stripe_events) as events,
           (select count(*)::int from graphile_worker.jobs) as jobs`.execute(db);
  return rows[0];
}

/** A real HTTP server that hands `POST /webhooks/stripe/:brandId` to the route action. */
export interface IntakeServer {
  url: string;
  /** Every answer the route gave, in order. */
  responses: { status: number; body: string }[];
  close(): Promise<void>;
}

export async function startIntakeServer(ctx: AppContext): Promise<IntakeServer> {
  const responses: IntakeServer["responses"] = [];
  const server = http.createServer(async (req, res) => {
    try {
      const match = /^\/webhooks\/stripe\/([^/?]+)/.exec(req.url ?? "");
      if (!match || req.method !== "POST") {
        res.statusCode = 404;
        res.end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string") headers.set(k, v);
      }
      const request = new Request(`http://localhost${req.url}`, {
        method: "POST",
        headers,
        body: Buffer.concat(chunks),
      });
      const response = await callIntake(ctx, decodeURIComponent(match[1]), request);
      const text = await response.text();
      responses.push({ status: response.status, body: text });
      res.statusCode = response.status;
      response.headers.forEach((v, k) => res.setHeader(k, v));
      res.end(text);
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    responses,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - start > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
