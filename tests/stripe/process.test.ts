import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../app/context.server";
import {
  processStripeEvent,
  retryStripeEvent,
} from "../../app/services/stripe-events/process.server";
import { stripeEventHandlers } from "../../app/services/stripe-events/handlers";
import { listStripeEvents } from "../../app/services/stripe-events/event-list.server";
import { type StripeEventHandler } from "../../app/services/stripe-events/context";
import { STRIPE_WEBHOOK_EVENTS } from "../../app/services/stripe-account/stripe-connection.server";
import { stripeClient } from "../../app/stripe/client.server";
import { makeTaskList } from "../../jobs/tasks/index";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  callIntake,
  createBrand,
  insertConnection,
  makeEvent,
  sign,
  webhookRequest,
} from "./helpers";

const SECRET = "whsec_processTestSecret";

describe("stripe__process_event", () => {
  let t: TestDatabase;
  let ctx: AppContext;
  let brandId: string;
  const deps = () => ({ config: ctx.config });

  beforeAll(async () => {
    t = await createTestDatabase();
    ctx = testContext(t.db);
    brandId = await createBrand(t.db);
    await insertConnection(ctx, brandId, { webhookSecret: SECRET });
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function receive(
    overrides: Record<string, unknown> = {},
    brand = brandId,
  ): Promise<string> {
    const event = makeEvent(overrides);
    const body = JSON.stringify(event);
    const response = await callIntake(
      ctx,
      brand,
      webhookRequest(brand, body, { "Stripe-Signature": sign(body, SECRET) }),
    );
    expect(response.status).toBe(200);
    const row = await t.db
      .selectFrom("stripe_events")
      .select("id")
      .where("brand_id", "=", brand)
      .where("stripe_event_id", "=", event.id as string)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  const load = (id: string) =>
    t.db.selectFrom("stripe_events").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("has a handler for exactly the subscribed event types", () => {
    expect(Object.keys(stripeEventHandlers).sort()).toEqual([...STRIPE_WEBHOOK_EVENTS].sort());
  });

  it("registers stripe__process_event in the task list", () => {
    expect(Object.keys(makeTaskList({ db: t.db, config: ctx.config }))).toContain(
      "stripe__process_event",
    );
  });

  it("dispatches by type, marks processed once, and skips it afterwards", async () => {
    const id = await receive({ type: "invoice.paid" });
    const calls: string[] = [];
    const handlers: Record<string, StripeEventHandler> = {
      "invoice.paid": async ({ event, brandId: b, row }) => {
        calls.push(`${event.type}:${b}:${row.id}`);
      },
    };
    expect(await processStripeEvent(t.db, deps(), id, handlers)).toBe("processed");
    expect(calls).toEqual([`invoice.paid:${brandId}:${id}`]);
    const row = await load(id);
    expect(row.status).toBe("processed");
    expect(row.attempts).toBe(1);
    expect(row.processed_at).toBeInstanceOf(Date);
    expect(row.error).toBeNull();

    expect(await processStripeEvent(t.db, deps(), id, handlers)).toBe("skipped");
    expect(calls).toHaveLength(1);
    expect((await load(id)).attempts).toBe(1);
  });

  it("runs the default (empty) handlers for every subscribed type", async () => {
    for (const type of STRIPE_WEBHOOK_EVENTS) {
      const id = await receive({ type });
      expect(await processStripeEvent(t.db, deps(), id)).toBe("processed");
    }
  });

  it("gives handlers the brand's Stripe client", async () => {
    const id = await receive({ type: "coupon.deleted" });
    let client: unknown;
    await processStripeEvent(t.db, deps(), id, {
      "coupon.deleted": async ({ stripe }) => {
        client = await stripe();
      },
    });
    // The cached client for the brand's stored (decrypted) key.
    expect(client).toBe(stripeClient(ctx.config, "rk_test_intakeKey1234"));
  });

  it("rolls back the handler's writes, marks failed with the message and rethrows", async () => {
    const id = await receive({ type: "charge.refunded" });
    const failing: Record<string, StripeEventHandler> = {
      "charge.refunded": async ({ trx }) => {
        await trx
          .updateTable("brands")
          .set({ name: "changed by handler" })
          .where("id", "=", brandId)
          .execute();
        throw new Error("Stripe said no");
      },
    };
    await expect(processStripeEvent(t.db, deps(), id, failing)).rejects.toThrow("Stripe said no");
    let row = await load(id);
    expect(row.status).toBe("failed");
    expect(row.error).toBe("Stripe said no");
    expect(row.attempts).toBe(1);
    const brand = await t.db
      .selectFrom("brands")
      .select("name")
      .where("id", "=", brandId)
      .executeTakeFirstOrThrow();
    expect(brand.name).not.toBe("changed by handler");

    await expect(processStripeEvent(t.db, deps(), id, failing)).rejects.toThrow();
    expect((await load(id)).attempts).toBe(2);

    // A later attempt that succeeds clears the error.
    expect(await processStripeEvent(t.db, deps(), id, { "charge.refunded": async () => {} })).toBe(
      "processed",
    );
    row = await load(id);
    expect(row).toMatchObject({ status: "processed", error: null, attempts: 3 });
  });

  it("leaves ignored events alone and reports missing rows", async () => {
    const id = await receive({ type: "customer.created" });
    expect(await processStripeEvent(t.db, deps(), id)).toBe("skipped");
    expect((await load(id)).status).toBe("ignored");
    expect(await processStripeEvent(t.db, deps(), randomUUID())).toBe("missing");
  });

  it("retryStripeEvent re-enqueues a failed event, scoped to the brand", async () => {
    const id = await receive({ type: "invoice_payment.paid" });
    await expect(
      processStripeEvent(t.db, deps(), id, {
        "invoice_payment.paid": async () => {
          throw new Error("boom");
        },
      }),
    ).rejects.toThrow("boom");

    const otherBrand = await createBrand(t.db, "Other");
    expect(await retryStripeEvent(t.db, otherBrand, id)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await retryStripeEvent(t.db, brandId, "nope")).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect((await load(id)).status).toBe("failed");

    await sql`delete from graphile_worker._private_jobs`.execute(t.db);
    expect(await retryStripeEvent(t.db, brandId, id)).toEqual({ ok: true });
    const row = await load(id);
    expect(row.status).toBe("pending");
    expect(row.error).toBeNull();
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs where key = ${`stripe_event:${id}`}`.execute(
      t.db,
    );
    expect(rows[0].n).toBe(1);

    // Not failed any more: nothing to retry, and no second job.
    expect(await retryStripeEvent(t.db, brandId, id)).toEqual({ ok: false, reason: "not_failed" });
    const again = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db);
    expect(again.rows[0].n).toBe(1);
  });

  it("lists the brand's events newest first, and only the brand's", async () => {
    const otherBrand = await createBrand(t.db, "Lister");
    await insertConnection(ctx, otherBrand, { webhookSecret: SECRET });
    await receive({ type: "invoice.paid" }, otherBrand);
    const latest = await receive({ type: "coupon.deleted" }, otherBrand);
    const list = await listStripeEvents(t.db, otherBrand);
    expect(list).toHaveLength(2);
    expect(list[0].id).toBe(latest);
    expect(list.every((e) => e.type === "invoice.paid" || e.type === "coupon.deleted")).toBe(true);
    expect((await listStripeEvents(t.db, brandId)).some((e) => e.id === latest)).toBe(false);
  });
});
