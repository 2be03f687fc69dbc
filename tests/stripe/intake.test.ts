import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../app/context.server";
import { createDb, createPool } from "../../app/db/db.server";
import { loader as intakeLoader } from "../../app/routes/webhooks.stripe.$brandId";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  callIntake,
  counts,
  createBrand,
  insertConnection,
  makeEvent,
  sign,
  webhookRequest,
} from "./helpers";

const SECRET = "whsec_intakeTestSecret0123456789abcdef";

describe("POST /webhooks/stripe/:brandId", () => {
  let t: TestDatabase;
  let ctx: AppContext;
  let brandId: string;
  let unconnectedBrandId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ctx = testContext(t.db);
    brandId = await createBrand(t.db, "Connected");
    unconnectedBrandId = await createBrand(t.db, "Unconnected");
    await insertConnection(ctx, brandId, { webhookSecret: SECRET, livemode: false });
  });
  afterAll(async () => {
    await t?.drop();
  });

  function signedRequest(
    body: string,
    opts: { secret?: string; timestamp?: number; brand?: string } = {},
  ) {
    return webhookRequest(opts.brand ?? brandId, body, {
      "Stripe-Signature": sign(body, opts.secret ?? SECRET, opts.timestamp),
    });
  }

  async function expectRejected(request: Request, status: number, brand = brandId) {
    const before = await counts(t.db);
    const response = await callIntake(ctx, brand, request);
    expect(response.status).toBe(status);
    expect(await counts(t.db)).toEqual(before);
    return response;
  }

  it("stores a valid event and adds exactly one job, in one go", async () => {
    const before = await counts(t.db);
    const event = makeEvent({ type: "invoice.paid" });
    const body = JSON.stringify(event);
    const response = await callIntake(ctx, brandId, signedRequest(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(await counts(t.db)).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });

    const row = await t.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("stripe_event_id", "=", event.id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      brand_id: brandId,
      type: "invoice.paid",
      livemode: false,
      api_version: "2026-10-28.endive",
      status: "pending",
      error: null,
      attempts: 0,
      processed_at: null,
    });
    expect(row.payload).toEqual(event);
    const { rows: jobs } = await sql<{ task_identifier: string; payload: unknown }>`
      select j.task_identifier, p.payload from graphile_worker.jobs j
      join graphile_worker._private_jobs p on p.id = j.id
      where j.key = ${`stripe_event:${row.id}`}`.execute(t.db);
    expect(jobs).toEqual([
      { task_identifier: "stripe__process_event", payload: { eventRowId: row.id } },
    ]);
  });

  it("answers a duplicate with 200 and adds no row or job", async () => {
    const body = JSON.stringify(makeEvent());
    expect((await callIntake(ctx, brandId, signedRequest(body))).status).toBe(200);
    const before = await counts(t.db);
    // Stripe re-sends the same event with a fresh signature.
    const again = await callIntake(
      ctx,
      brandId,
      signedRequest(body, { timestamp: Math.floor(Date.now() / 1000) + 1 }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await counts(t.db)).toEqual(before);
  });

  it("rejects a signature made with another secret (400)", async () => {
    const body = JSON.stringify(makeEvent());
    const response = await expectRejected(
      signedRequest(body, { secret: "whsec_someoneElse" }),
      400,
    );
    expect(await response.json()).toEqual({ error: "Invalid Stripe-Signature" });
  });

  it("rejects a body that does not match its signature (400)", async () => {
    const signed = JSON.stringify(makeEvent());
    const tampered = JSON.stringify({ ...JSON.parse(signed), type: "charge.refunded" });
    await expectRejected(
      webhookRequest(brandId, tampered, { "Stripe-Signature": sign(signed, SECRET) }),
      400,
    );
  });

  it("rejects a missing or malformed Stripe-Signature header (400)", async () => {
    const body = JSON.stringify(makeEvent());
    const missing = await expectRejected(webhookRequest(brandId, body), 400);
    expect(await missing.json()).toEqual({ error: "Missing Stripe-Signature header" });
    await expectRejected(webhookRequest(brandId, body, { "Stripe-Signature": "garbage" }), 400);
    await expectRejected(webhookRequest(brandId, body, { "Stripe-Signature": "t=123" }), 400);
  });

  it("rejects a signature timestamp older than 300 seconds (400)", async () => {
    const body = JSON.stringify(makeEvent());
    const old = Math.floor(Date.now() / 1000) - 301;
    const response = await expectRejected(signedRequest(body, { timestamp: old }), 400);
    expect(await response.json()).toEqual({
      error: "Signature timestamp is older than 300 seconds",
    });
    // Just inside the window is accepted.
    const fresh = await callIntake(
      ctx,
      brandId,
      signedRequest(body, { timestamp: Math.floor(Date.now() / 1000) - 290 }),
    );
    expect(fresh.status).toBe(200);
  });

  it("rejects a signature timestamp more than 300 seconds in the future (400), nothing stored", async () => {
    const before = await counts(t.db);
    const event = makeEvent();
    const body = JSON.stringify(event);
    const ahead = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const response = await expectRejected(signedRequest(body, { timestamp: ahead }), 400);
    expect(await response.json()).toEqual({
      error: "Signature timestamp is more than 300 seconds in the future",
    });
    expect(await counts(t.db)).toEqual(before);
    // A little clock skew ahead is accepted.
    const skewed = await callIntake(
      ctx,
      brandId,
      signedRequest(body, { timestamp: Math.floor(Date.now() / 1000) + 60 }),
    );
    expect(skewed.status).toBe(200);
  });

  it("rejects a signed event nested 100,000 levels deep (400), nothing stored", async () => {
    const before = await counts(t.db);
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const body = JSON.stringify(makeEvent()).replace(/}$/, `,"deep":${deep}}`);
    const response = await expectRejected(signedRequest(body), 400);
    expect(await response.json()).toEqual({ error: "Body nests deeper than 32 levels" });
    expect(await counts(t.db)).toEqual(before);
  });

  it("rejects a correctly signed body that is not JSON, or not an event (400)", async () => {
    const notJson = await expectRejected(signedRequest("this is not json"), 400);
    expect(await notJson.json()).toEqual({ error: "Body is not valid JSON" });
    await expectRejected(signedRequest(JSON.stringify({ hello: "world" })), 400);
    await expectRejected(signedRequest(JSON.stringify([1, 2, 3])), 400);
    await expectRejected(signedRequest(JSON.stringify(makeEvent({ livemode: "no" }))), 400);
    await expectRejected(signedRequest(""), 400);
  });

  it("answers 404 for an unknown, malformed or unconnected brand", async () => {
    const body = JSON.stringify(makeEvent());
    const unknown = randomUUID();
    await expectRejected(signedRequest(body, { brand: unknown }), 404, unknown);
    await expectRejected(signedRequest(body, { brand: "not-a-uuid" }), 404, "not-a-uuid");
    await expectRejected(
      signedRequest(body, { brand: unconnectedBrandId }),
      404,
      unconnectedBrandId,
    );
  });

  it("answers 413 for a body over 1 MB, by Content-Length or by counting the stream", async () => {
    const big = JSON.stringify(
      makeEvent({ data: { object: { id: "in_big", filler: "x".repeat(1024 * 1024) } } }),
    );
    await expectRejected(signedRequest(big), 413);

    // No Content-Length: the stream is counted while it is read.
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const streamed = webhookRequest(brandId, stream, { "Stripe-Signature": sign("x", SECRET) });
    expect(streamed.headers.get("Content-Length")).toBeNull();
    await expectRejected(streamed, 413);

    // A lying Content-Length does not help either.
    const lying = new Request(`http://localhost/webhooks/stripe/${brandId}`, {
      method: "POST",
      body: big,
      headers: { "Content-Length": "10", "Stripe-Signature": sign(big, SECRET) },
    });
    await expectRejected(lying, 413);
  });

  it("stops reading an endless body after a bounded amount", async () => {
    let sent = 0;
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    await expectRejected(
      webhookRequest(brandId, endless, { "Stripe-Signature": sign("x", SECRET) }),
      413,
    );
    await new Promise((r) => setTimeout(r, 300));
    const settledAt = sent;
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toBe(settledAt);
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it("accepts a body of exactly 1 MB", async () => {
    const base = JSON.stringify(makeEvent({ data: { object: { id: "in_fill", filler: "" } } }));
    const padded = base.replace(
      '"filler":""',
      `"filler":"${"y".repeat(1024 * 1024 - base.length)}"`,
    );
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
    expect((await callIntake(ctx, brandId, signedRequest(padded))).status).toBe(200);
  });

  it("stores event types Rekomi does not use as ignored, with no job", async () => {
    const before = await counts(t.db);
    const event = makeEvent({
      type: "customer.created",
      data: { object: { id: "cus_1", object: "customer" } },
    });
    const response = await callIntake(ctx, brandId, signedRequest(JSON.stringify(event)));
    expect(response.status).toBe(200);
    expect(await counts(t.db)).toEqual({ events: before.events + 1, jobs: before.jobs });
    const row = await t.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("stripe_event_id", "=", event.id as string)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("ignored");
    expect(row.error).toMatch(/does not use customer\.created/);
  });

  it("stores events whose livemode differs from the connection as ignored, with no job", async () => {
    const before = await counts(t.db);
    const event = makeEvent({ type: "invoice.paid", livemode: true });
    const response = await callIntake(ctx, brandId, signedRequest(JSON.stringify(event)));
    expect(response.status).toBe(200);
    expect(await counts(t.db)).toEqual({ events: before.events + 1, jobs: before.jobs });
    const row = await t.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("stripe_event_id", "=", event.id as string)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("ignored");
    expect(row.error).toMatch(/live-mode event.*test mode/);
  });

  it("answers 503 when the database is unavailable, and stores nothing", async () => {
    const before = await counts(t.db);
    const body = JSON.stringify(makeEvent());

    // Nothing listens on port 1.
    const refusedPool = createPool("postgres://postgres:postgres@127.0.0.1:1/nothing", 1);
    const refused = testContext(createDb(refusedPool));
    const r1 = await callIntake(refused, brandId, signedRequest(body));
    expect(r1.status).toBe(503);
    expect(r1.headers.get("Retry-After")).toBe("30");
    await refusedPool.end().catch(() => {});

    // A pool that has been shut down.
    const closedPool = createPool(t.url, 1);
    await closedPool.end();
    const r2 = await callIntake(testContext(createDb(closedPool)), brandId, signedRequest(body));
    expect(r2.status).toBe(503);

    expect(await counts(t.db)).toEqual(before);
  });

  it("10 concurrent deliveries of one event make exactly one row and one job", async () => {
    const before = await counts(t.db);
    const body = JSON.stringify(makeEvent({ type: "checkout.session.completed" }));
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => callIntake(ctx, brandId, signedRequest(body))),
    );
    const bodies = await Promise.all(
      responses.map((r) => r.json() as Promise<{ duplicate?: boolean }>),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    expect(await counts(t.db)).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });
  });

  it("keeps brands apart: the same event id for two brands is two rows", async () => {
    const otherBrand = await createBrand(t.db, "Other");
    const otherSecret = "whsec_otherBrandSecret";
    await insertConnection(ctx, otherBrand, { webhookSecret: otherSecret });
    const body = JSON.stringify(makeEvent());
    expect((await callIntake(ctx, brandId, signedRequest(body))).status).toBe(200);
    // Brand A's signature does not open brand B's door.
    await expectRejected(signedRequest(body, { brand: otherBrand }), 400, otherBrand);
    expect(
      (
        await callIntake(
          ctx,
          otherBrand,
          signedRequest(body, { brand: otherBrand, secret: otherSecret }),
        )
      ).status,
    ).toBe(200);
    const id = (JSON.parse(body) as { id: string }).id;
    const rows = await t.db
      .selectFrom("stripe_events")
      .select("brand_id")
      .where("stripe_event_id", "=", id)
      .execute();
    expect(rows.map((r) => r.brand_id).sort()).toEqual([brandId, otherBrand].sort());
  });

  it("refuses GET", async () => {
    const response = intakeLoader();
    expect(response.status).toBe(405);
  });
});
