import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../app/config.server";
import {
  connectStripe,
  STRIPE_WEBHOOK_EVENTS,
} from "../../app/services/stripe-account/stripe-connection.server";
import { stripeEventHandlers } from "../../app/services/stripe-events/handlers";
import { type StripeEventHandler } from "../../app/services/stripe-events/context";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { makeTaskList } from "../../jobs/tasks/index";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createBrand, startIntakeServer, waitFor, type IntakeServer } from "./helpers";

/**
 * The whole path: the emulator simulates a checkout and delivers its events (every one twice, in
 * shuffled order, with real signatures) over HTTP to the intake route; a real graphile-worker runs
 * the task list. Each distinct event must be stored once and processed once.
 */
describe("simulated checkout -> intake -> worker", () => {
  let t: TestDatabase;
  let emu: StripeEmulator;
  let intake: IntakeServer;
  let worker: WorkerHandle;
  let config: Config;
  const handled = new Map<string, number>();
  const originals = { ...stripeEventHandlers };

  beforeAll(async () => {
    t = await createTestDatabase();
    emu = await startStripeEmulator({ port: 0, retry: { maxAttempts: 3, backoffMs: [20, 40] } });
    intake = await startIntakeServer(testContext(t.db));
    config = testConfig({ STRIPE_API_BASE: emu.url, APP_URL: intake.url });
    // Count how often each event's handler runs (the handlers themselves are still the real ones).
    for (const type of STRIPE_WEBHOOK_EVENTS) {
      const original = originals[type];
      const counting: StripeEventHandler = async (ctx) => {
        handled.set(ctx.event.id, (handled.get(ctx.event.id) ?? 0) + 1);
        await original(ctx);
      };
      stripeEventHandlers[type] = counting;
    }
    worker = await startWorker({
      pgPool: t.pool,
      taskList: makeTaskList({ db: t.db, config }),
      concurrency: 4,
      pollInterval: 100,
    });
  });
  afterAll(async () => {
    Object.assign(stripeEventHandlers, originals);
    await worker?.stop();
    await intake?.close();
    await emu?.close();
    await t?.drop();
  });

  async function settled(brandId: string, expected: number) {
    return waitFor(async () => {
      const rows = await t.db
        .selectFrom("stripe_events")
        .selectAll()
        .where("brand_id", "=", brandId)
        .execute();
      const { rows: jobs } = await sql<{
        n: number;
      }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db);
      return (
        rows.length === expected &&
        rows.every((r) => r.status === "processed") &&
        jobs[0].n === 0 &&
        rows
      );
    }, 15_000);
  }

  for (const mode of ["subscription", "payment"] as const) {
    it(`stores and processes each event of a ${mode} checkout exactly once despite duplicated, shuffled delivery`, async () => {
      const brandId = await createBrand(t.db, `Flow ${mode}`);
      const key = `rk_test_flow${mode}Key0001`;
      const connected = await connectStripe(t.db, config, brandId, key);
      expect(connected.ok).toBe(true);

      const result = await emu.checkout({
        api_key: key,
        mode,
        amount: 4900,
        currency: "usd",
        client_reference_id: "click_123",
        duplicate_and_shuffle: true,
      });
      const subscribed = result.events.filter((e) =>
        (STRIPE_WEBHOOK_EVENTS as readonly string[]).includes(e.type),
      );
      const expectedTypes =
        mode === "subscription"
          ? [
              "checkout.session.completed",
              "customer.subscription.created",
              "invoice.paid",
              "invoice_payment.paid",
            ]
          : ["checkout.session.completed"];
      expect(subscribed.map((e) => e.type).sort()).toEqual(expect.arrayContaining(expectedTypes));

      // Every event was delivered twice and every delivery got a 2xx.
      await emu.waitForDeliveries();
      const deliveries = emu.deliveries({ api_key: key });
      expect(deliveries.length).toBe(subscribed.length * 2);
      expect(deliveries.every((d) => d.status === "succeeded")).toBe(true);
      // What the app answered: one first-time 200 per event, one duplicate 200 per event.
      const answers = intake.responses.splice(0);
      expect(answers).toHaveLength(subscribed.length * 2);
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.body === '{"received":true}')).toHaveLength(subscribed.length);
      expect(answers.filter((a) => a.body === '{"received":true,"duplicate":true}')).toHaveLength(
        subscribed.length,
      );

      const rows = await settled(brandId, subscribed.length);
      expect(rows.map((r) => r.stripe_event_id).sort()).toEqual(subscribed.map((e) => e.id).sort());
      for (const row of rows) {
        expect(row.attempts).toBe(1);
        expect(row.processed_at).toBeInstanceOf(Date);
        expect(handled.get(row.stripe_event_id)).toBe(1);
      }

      // A refund afterwards, delivered the same way.
      const refund = await emu.refund({
        api_key: key,
        payment_intent: result.payment_intent,
        duplicate_and_shuffle: true,
      });
      const refundEvents = refund.events.filter((e) =>
        (STRIPE_WEBHOOK_EVENTS as readonly string[]).includes(e.type),
      );
      expect(refundEvents.map((e) => e.type)).toContain("charge.refunded");
      const after = await settled(brandId, subscribed.length + refundEvents.length);
      expect(intake.responses.splice(0).map((a) => a.status)).toEqual(
        Array(refundEvents.length * 2).fill(200),
      );
      for (const row of after) expect(handled.get(row.stripe_event_id)).toBe(1);
    });
  }
});
