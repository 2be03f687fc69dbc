/**
 * Step 3 of a delivery attempt (see webhook-attempt.server.ts): in one transaction, log the
 * attempt, then settle the delivery: succeeded (and the endpoint healthy again), endpoint
 * disabled (410 Gone, or failing for 5 days: open deliveries cancelled, the brand notified),
 * retry scheduled with its own job, or exhausted.
 */
import type { DB } from "~/db/db.server";
import type { WebhookDeliveryStatus, WebhookEndpointRow } from "~/db/schema";
import { responseSnippet } from "~/webhooks/http.server";
import { judgeAttempt, nextAttemptAt, shouldDisableEndpoint } from "~/webhooks/retry";
import { queueNotification } from "../notifications/notification-events.server";
import type { AttemptResult, DeliverOutcome } from "./webhook-attempt.server";
import { cancelOpenDeliveries } from "./webhook-endpoints.server";
import { enqueueDelivery } from "./webhook-outbox.server";

type Verdict = ReturnType<typeof judgeAttempt>;

interface Locked {
  ep: { id: string; enabled: boolean; failing_since: Date | null };
  current: {
    id: string;
    status: WebhookDeliveryStatus;
    cycle_started_at: Date;
    cycle_attempts: number;
    attempt_count: number;
  };
  /** The columns every outcome sets on the delivery. */
  base: {
    attempt_count: number;
    cycle_attempts: number;
    in_flight_until: null;
    last_attempt_at: Date;
    last_status_code: number | null;
    updated_at: Date;
  };
}

export function recordAttempt(
  db: DB,
  clock: () => Date,
  endpoint: Pick<WebhookEndpointRow, "id" | "brand_id">,
  deliveryId: string,
  attemptAt: Date,
  outcome: AttemptResult,
): Promise<DeliverOutcome> {
  return db.transaction().execute(async (trx) => {
    const now = clock();
    const verdict = judgeAttempt(outcome, now);
    const ep = await trx
      .selectFrom("webhook_endpoints")
      .select(["id", "enabled", "failing_since"])
      .where("id", "=", endpoint.id)
      .forUpdate()
      .executeTakeFirst();
    const current = await trx
      .selectFrom("webhook_deliveries")
      .select(["id", "status", "cycle_started_at", "cycle_attempts", "attempt_count"])
      .where("id", "=", deliveryId)
      .forUpdate()
      .executeTakeFirst();
    if (!ep || !current) return "not_found"; // endpoint deleted meanwhile
    await trx
      .insertInto("webhook_attempts")
      .values({
        delivery_id: current.id,
        brand_id: endpoint.brand_id,
        attempted_at: attemptAt,
        succeeded: verdict.kind === "succeeded",
        status_code: outcome.statusCode,
        latency_ms: outcome.latencyMs,
        error:
          verdict.kind === "failed" ? verdict.reason : verdict.kind === "gone" ? "410 Gone" : null,
        response_snippet: responseSnippet(outcome.body),
      })
      .execute();
    const base = {
      attempt_count: current.attempt_count + 1,
      cycle_attempts: current.cycle_attempts + 1,
      in_flight_until: null,
      last_attempt_at: attemptAt,
      last_status_code: outcome.statusCode,
      updated_at: now,
    };
    const locked = { ep, current, base };
    if (verdict.kind === "succeeded") return recordSuccess(trx, locked, now);
    return recordFailure(trx, locked, verdict, attemptAt, now);
  });
}

async function recordSuccess(trx: DB, { ep, current, base }: Locked, now: Date) {
  await trx
    .updateTable("webhook_deliveries")
    .set({
      ...base,
      status: "succeeded",
      succeeded_at: now,
      next_attempt_at: null,
      last_error: null,
    })
    .where("id", "=", current.id)
    .execute();
  if (ep.failing_since) {
    await trx
      .updateTable("webhook_endpoints")
      .set({ failing_since: null })
      .where("id", "=", ep.id)
      .execute();
  }
  return "succeeded" as const;
}

async function recordFailure(
  trx: DB,
  { ep, current, base }: Locked,
  verdict: Exclude<Verdict, { kind: "succeeded" }>,
  attemptAt: Date,
  now: Date,
): Promise<DeliverOutcome> {
  const reason = verdict.kind === "gone" ? "410 Gone" : verdict.reason;
  const failingSince = ep.failing_since ?? attemptAt;
  let disableReason: string | null = null;
  if (verdict.kind === "gone") {
    disableReason = `Disabled automatically: the endpoint answered 410 Gone on ${now.toISOString()}.`;
  } else if (shouldDisableEndpoint(failingSince, now)) {
    disableReason = `Disabled automatically: every delivery has failed since ${failingSince.toISOString()} (5 days). Last error: ${reason}.`;
  }
  if (disableReason && ep.enabled) {
    await trx
      .updateTable("webhook_endpoints")
      .set({
        enabled: false,
        disabled_reason: disableReason,
        disabled_at: now,
        failing_since: failingSince,
        updated_at: now,
      })
      .where("id", "=", ep.id)
      .execute();
    await cancelOpenDeliveries(trx, ep.id, now);
    await queueNotification(trx, { kind: "webhook_disabled", endpointId: ep.id });
    await trx
      .updateTable("webhook_deliveries")
      .set({ ...base, status: "cancelled", next_attempt_at: null, last_error: reason })
      .where("id", "=", current.id)
      .execute();
    return "endpoint_disabled";
  }
  if (!ep.failing_since) {
    await trx
      .updateTable("webhook_endpoints")
      .set({ failing_since: failingSince })
      .where("id", "=", ep.id)
      .execute();
  }
  const stillOpen = current.status === "pending" || current.status === "failed";
  const next =
    stillOpen && ep.enabled && verdict.kind === "failed"
      ? nextAttemptAt({
          cycleStartedAt: current.cycle_started_at,
          failedAttempts: current.cycle_attempts + 1,
          now,
          retryAfterMs: verdict.retryAfterMs,
        })
      : null;
  const status: WebhookDeliveryStatus = next ? "failed" : stillOpen ? "exhausted" : current.status;
  await trx
    .updateTable("webhook_deliveries")
    .set({ ...base, status, next_attempt_at: next, last_error: reason })
    .where("id", "=", current.id)
    .execute();
  if (next) {
    await enqueueDelivery(trx, current.id, next);
    return "retry_scheduled";
  }
  return stillOpen ? "exhausted" : "cancelled";
}
