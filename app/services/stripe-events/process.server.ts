/**
 * Processing one stored event (the job `stripe__process_event`): the handler's gather phase
 * (Stripe reads) outside any transaction, then its apply phase in the transaction that marks the
 * event processed. The handler comes from the registry (handlers.ts); retries and failures here.
 */
import { sql } from "kysely";
import { z } from "zod";
import type { DB } from "~/db/db.server";
import { addJob } from "~/db/jobs.server";
import { notifyJobKey, PROCESS_STRIPE_EVENT_TASK, processJobKey } from "~/db/job-registry";
import type { StripeEventRow } from "~/db/schema";
import { type Stripe, stripeClient } from "~/stripe/client.server";
import { queueNotification } from "../notifications/notification-events.server";
import { loadStripeCredentials } from "../stripe-account/stripe-connection.server";
import type { StripeEventDeps, StripeEventHandler } from "./context";
import { stripeEventHandlers } from "./handlers";

const MAX_ERROR_LENGTH = 2000;

/** Failed attempts of one event after which the brand's owners are emailed. */
export const STRIPE_FAILURE_NOTIFY_ATTEMPTS = 3;

export type ProcessOutcome = "processed" | "ignored" | "skipped" | "missing";

/**
 * Process one stored event, exactly once: the handler's `gather` phase (Stripe reads) runs first,
 * outside any transaction; then the row is locked for the apply phase only, events already
 * processed or ignored are skipped, and the handler's writes commit together with the
 * "processed" mark. On error the row is marked failed (attempts + 1, message kept) and the error
 * is rethrown so graphile-worker retries with backoff.
 */
export async function processStripeEvent(
  db: DB,
  deps: StripeEventDeps,
  eventRowId: string,
  handlers: Partial<Record<string, StripeEventHandler>> = stripeEventHandlers,
): Promise<ProcessOutcome> {
  try {
    // Gather phase (Stripe calls) before the transaction, so the row lock is held only for writes.
    const peek = await db
      .selectFrom("stripe_events")
      .selectAll()
      .where("id", "=", eventRowId)
      .executeTakeFirst();
    if (!peek) return "missing";
    if (peek.status === "processed" || peek.status === "ignored") return "skipped";
    const stripe = brandStripe(db, deps, peek.brand_id);
    const gather = handlers[peek.type]?.gather;
    const gathered = gather
      ? await gather({ db, deps, brandId: peek.brand_id, row: peek, event: eventOf(peek), stripe })
      : undefined;
    return await db
      .transaction()
      .execute((trx) => applyPhase(trx, { deps, peek, handlers, gathered, stripe }));
  } catch (error) {
    await recordFailure(db, eventRowId, error);
    throw error;
  }
}

const eventOf = (row: StripeEventRow) => row.payload as unknown as Stripe.Event;

/** The brand's Stripe client, built on first use; throws when the brand is not connected. */
function brandStripe(db: DB, deps: StripeEventDeps, brandId: string): () => Promise<Stripe> {
  let client: Stripe | undefined;
  return async () => {
    if (client) return client;
    const creds = await loadStripeCredentials(db, deps.config, brandId);
    if (!creds) throw new Error("Stripe is not connected for this brand");
    client = stripeClient(deps.config, creds.secretKey);
    return client;
  };
}

/** Lock the row, run the handler's apply phase and mark the event processed (one transaction). */
async function applyPhase(
  trx: DB,
  input: {
    deps: StripeEventDeps;
    peek: StripeEventRow;
    handlers: Partial<Record<string, StripeEventHandler>>;
    gathered: unknown;
    stripe: () => Promise<Stripe>;
  },
): Promise<ProcessOutcome> {
  const { peek } = input;
  // Only the status is read again (the payload is immutable: the peek's copy is used).
  const locked = await trx
    .selectFrom("stripe_events")
    .select(["status", "attempts", "error"])
    .where("id", "=", peek.id)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  // Missing: deleted with its brand. Locked: another worker holds it and will finish it.
  if (!locked) return "missing";
  const row: StripeEventRow = { ...peek, ...locked };
  if (row.status === "processed" || row.status === "ignored") return "skipped";
  const handler = input.handlers[row.type];
  if (!handler) {
    await trx
      .updateTable("stripe_events")
      .set({ status: "ignored", error: `Rekomi does not use ${row.type} events` })
      .where("id", "=", row.id)
      .execute();
    return "ignored";
  }
  await handler({
    trx,
    deps: input.deps,
    brandId: row.brand_id,
    row,
    event: eventOf(row),
    gathered: input.gathered,
    stripe: input.stripe,
  });
  await trx
    .updateTable("stripe_events")
    .set({
      status: "processed",
      error: null,
      attempts: sql<number>`attempts + 1`,
      processed_at: new Date(),
    })
    .where("id", "=", row.id)
    .execute();
  return "processed";
}

/** Mark the row failed (attempts + 1, message kept); email the owners when it keeps failing. */
async function recordFailure(db: DB, eventRowId: string, error: unknown): Promise<void> {
  const message = (error instanceof Error ? error.message : String(error)).slice(
    0,
    MAX_ERROR_LENGTH,
  );
  try {
    await db.transaction().execute(async (trx) => {
      const failed = await trx
        .updateTable("stripe_events")
        .set({
          status: "failed",
          error: message || "Unknown error",
          attempts: sql<number>`attempts + 1`,
        })
        .where("id", "=", eventRowId)
        .where("status", "not in", ["processed", "ignored"])
        .returning(["attempts", "brand_id"])
        .executeTakeFirst();
      // Tell the brand's owners once the event keeps failing (at most one email per brand a day).
      if (failed?.attempts === STRIPE_FAILURE_NOTIFY_ATTEMPTS)
        await queueNotification(
          trx,
          { kind: "stripe_events_failing", eventRowId },
          {
            jobKey: notifyJobKey(
              "stripe_events_failing",
              `${failed.brand_id}:${new Date().toISOString().slice(0, 10)}`,
            ),
          },
        );
    });
  } catch {
    // The database itself is failing; the retry will record the outcome. Keep the original error.
  }
}

export type RetryResult = { ok: true } | { ok: false; reason: "not_found" | "not_failed" };

/** Re-enqueue a failed event now (scoped to the brand). Replaces any pending retry of the job. */
export async function retryStripeEvent(
  db: DB,
  brandId: string,
  eventRowId: string,
): Promise<RetryResult> {
  if (!z.uuid().safeParse(eventRowId).success) return { ok: false, reason: "not_found" };
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("stripe_events")
      .set({ status: "pending", error: null })
      .where("id", "=", eventRowId)
      .where("brand_id", "=", brandId)
      .where("status", "=", "failed")
      .returning(["id"])
      .executeTakeFirst();
    if (!updated) {
      const exists = await trx
        .selectFrom("stripe_events")
        .select("id")
        .where("id", "=", eventRowId)
        .where("brand_id", "=", brandId)
        .executeTakeFirst();
      return { ok: false, reason: exists ? "not_failed" : "not_found" } as const;
    }
    await addJob(
      trx,
      PROCESS_STRIPE_EVENT_TASK,
      { eventRowId },
      { jobKey: processJobKey(eventRowId) },
    );
    return { ok: true } as const;
  });
}
