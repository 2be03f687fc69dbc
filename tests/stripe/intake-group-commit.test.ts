/**
 * Stripe intake through group commit (app/services/stripe-events/store-events.server.ts): concurrent
 * events share one statement, each is answered only once its row and job are committed, copies of
 * one event in the same batch are stored once, and one event that cannot be stored fails alone.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intakeStripeEvent } from "../../app/services/stripe-events/intake.server";
import { intakeWriterStats } from "../../app/services/stripe-events/store-events.server";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { counts, createBrand, insertConnection, makeEvent, sign } from "./helpers";

const SECRET_A = "whsec_groupCommitSecretA0123456789";
const SECRET_B = "whsec_groupCommitSecretB0123456789";

describe("intake group commit", () => {
  let t: TestDatabase;
  let brandA: string;
  let brandB: string;
  const config = () => testContext(t.db).config;

  beforeAll(async () => {
    t = await createTestDatabase();
    brandA = await createBrand(t.db, "Group A");
    brandB = await createBrand(t.db, "Group B");
    await insertConnection(testContext(t.db), brandA, { webhookSecret: SECRET_A });
    await insertConnection(testContext(t.db), brandB, { webhookSecret: SECRET_B });
  });
  afterAll(async () => {
    await t?.drop();
  });

  const deliver = (
    brandId: string,
    body: string,
    secret = brandId === brandA ? SECRET_A : SECRET_B,
  ) => intakeStripeEvent(t.db, config(), { brandId, rawBody: body, signature: sign(body, secret) });

  async function jobFor(eventRowId: string): Promise<number> {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs where key = ${`stripe_event:${eventRowId}`}`.execute(
      t.db,
    );
    return rows[0].n;
  }

  it("two brands' events in one batch, copies of one event among them: each stored once, one job per new handled event", async () => {
    // Warm the secret cache so the deliveries below reach the writer in the same tick.
    await deliver(brandA, JSON.stringify(makeEvent()));
    await deliver(brandB, JSON.stringify(makeEvent()));
    const before = await counts(t.db);
    const stats0 = { ...intakeWriterStats(t.db) };
    const handled = Array.from({ length: 12 }, (_, i) => ({
      brand: i % 2 ? brandA : brandB,
      body: JSON.stringify(makeEvent()),
    }));
    const ignored = {
      brand: brandA,
      body: JSON.stringify(
        makeEvent({
          type: "customer.created",
          data: { object: { id: "cus_1", object: "customer" } },
        }),
      ),
    };
    const copy = handled[0];
    const deliveries = [...handled, ignored, copy, copy];
    const results = await Promise.all(deliveries.map((d) => deliver(d.brand, d.body)));

    const stored = results.map((r) => (r.kind === "stored" ? r : null));
    expect(stored.every(Boolean)).toBe(true);
    // The first copy is the new row; the later copies are duplicates of that same row.
    expect(stored.filter((r) => !r!.duplicate)).toHaveLength(13);
    expect(stored[13]!.eventRowId).toBe(stored[0]!.eventRowId);
    expect(stored[14]!.eventRowId).toBe(stored[0]!.eventRowId);
    expect(stored[13]!.duplicate && stored[14]!.duplicate).toBe(true);
    expect(stored[12]!.status).toBe("ignored");
    expect(await counts(t.db)).toEqual({ events: before.events + 13, jobs: before.jobs + 12 });
    for (const r of stored.slice(0, 12)) expect(await jobFor(r!.eventRowId)).toBe(1);
    expect(await jobFor(stored[12]!.eventRowId)).toBe(0);
    // Fewer statements than deliveries.
    const stats = intakeWriterStats(t.db);
    expect(stats.flushes - stats0.flushes).toBeLessThan(deliveries.length);
  });

  it("an event PostgreSQL cannot store fails alone (its caller gets the error, so a 5xx); the rest of its batch is stored", async () => {
    await deliver(brandA, JSON.stringify(makeEvent()));
    const before = await counts(t.db);
    const stats0 = { ...intakeWriterStats(t.db) };
    const good = Array.from({ length: 5 }, () => JSON.stringify(makeEvent()));
    // Valid JSON, correctly signed, but out of jsonb's numeric range: the insert fails.
    const poison = JSON.stringify(
      makeEvent({ data: { object: { id: "in_x", object: "invoice", amount: 0 } } }),
    ).replace('"amount":0', '"amount":1e200000');
    const results = await Promise.allSettled(
      [...good.slice(0, 2), poison, ...good.slice(2)].map((b) => deliver(brandA, b)),
    );
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/numeric/);
    expect(await counts(t.db)).toEqual({ events: before.events + 5, jobs: before.jobs + 5 });
    expect(intakeWriterStats(t.db).isolatedRetries).toBeGreaterThan(stats0.isolatedRetries);
  });

  it("a brand disconnected while its events wait: those are refused as unknown (404), nothing stored for them", async () => {
    const brandC = await createBrand(t.db, "Group C");
    const secretC = "whsec_groupCommitSecretC0123456789";
    await insertConnection(testContext(t.db), brandC, { webhookSecret: secretC });
    const first = JSON.stringify(makeEvent());
    expect((await deliver(brandC, first, secretC)).kind).toBe("stored"); // secret cached now
    await t.db.deleteFrom("stripe_connections").where("brand_id", "=", brandC).execute();
    const before = await counts(t.db);
    const [gone, other] = await Promise.all([
      deliver(brandC, JSON.stringify(makeEvent()), secretC),
      deliver(brandA, JSON.stringify(makeEvent())),
    ]);
    expect(gone).toEqual({ kind: "not_found" });
    expect(other.kind).toBe("stored");
    expect(await counts(t.db)).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });
  });
});
