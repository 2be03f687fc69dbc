/**
 * Outbound webhook messages: publishing an event (the outbox, inside the caller's transaction:
 * the message, one delivery per subscribed endpoint and their jobs) and the delivery job's
 * entry point, `deliverWebhook`, which runs the three steps of webhook-attempt.server.ts and
 * webhook-attempt-record.server.ts. Test events and resends are in webhook-resend.server.ts, the
 * delivery log in webhook-delivery-log.server.ts.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { isUuid } from "~/domain/ids";
import { isWebhookEventType, type WebhookEventType } from "~/webhooks/events";
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from "~/webhooks/http.server";
import {
  type AttemptSettings,
  claimDelivery,
  type DeliverOutcome,
  type DeliveryDeps,
  sendAttempt,
} from "./webhook-attempt.server";
import { recordAttempt } from "./webhook-attempt-record.server";
import { deliveryValues, enqueueDelivery, insertMessage } from "./webhook-outbox.server";

export { DELIVER_WEBHOOK_TASK } from "./webhook-outbox.server";
export type { DeliverOutcome, DeliveryDeps } from "./webhook-attempt.server";

/** A healthy endpoint gets up to this many requests in flight; a failing one gets 1. */
export const DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT = 2;
const DEFAULT_BUSY_RETRY_MS = 1000;

export interface PublishWebhookEventInput {
  brandId: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** The body's `timestamp` (when the change happened); defaults to now. */
  occurredAt?: Date;
}

/**
 * Record one event for outbound delivery. Call it with the SAME transaction that makes the change
 * it reports: the message, its deliveries (one per enabled endpoint subscribed to `type`) and
 * their jobs commit or roll back together with that change. Returns the message id.
 */
export async function publishWebhookEvent(
  trx: DB,
  input: PublishWebhookEventInput,
): Promise<{ messageId: string; deliveryIds: string[] }> {
  if (!isWebhookEventType(input.type))
    throw new Error(`Unknown webhook event type: ${String(input.type)}`);
  const occurredAt = input.occurredAt ?? new Date();
  const messageId = await insertMessage(trx, { ...input, occurredAt });
  const endpoints = await trx
    .selectFrom("webhook_endpoints")
    .select("id")
    .where("brand_id", "=", input.brandId)
    .where("enabled", "=", true)
    .where(sql<boolean>`${input.type} = any(event_types)`)
    .execute();
  const deliveryIds: string[] = [];
  if (endpoints.length > 0) {
    const now = new Date();
    const rows = await trx
      .insertInto("webhook_deliveries")
      .values(
        endpoints.map((e) =>
          deliveryValues({ messageId, endpointId: e.id, brandId: input.brandId }, now),
        ),
      )
      .returning("id")
      .execute();
    for (const row of rows) {
      await enqueueDelivery(trx, row.id);
      deliveryIds.push(row.id);
    }
  }
  return { messageId, deliveryIds };
}

/**
 * One delivery attempt (the `webhooks__deliver` job). Claims a per-endpoint in-flight slot in a
 * short transaction, sends the request outside any transaction, then logs the attempt and decides
 * what is next (done, retry at the scheduled time with its own job, exhausted, or endpoint
 * disabled) in a second one.
 */
export async function deliverWebhook(
  db: DB,
  deps: DeliveryDeps,
  deliveryId: string,
): Promise<DeliverOutcome> {
  if (!isUuid(deliveryId)) return "not_found";
  const settings: AttemptSettings = {
    clock: deps.now ?? (() => new Date()),
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes: deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    cap: deps.maxInFlightPerEndpoint ?? DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT,
    busyRetryMs: deps.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS,
  };
  const claim = await claimDelivery(db, settings, deliveryId);
  if (claim.outcome !== "claimed") return claim.outcome;
  const { endpoint, delivery } = claim;
  const attemptAt = settings.clock();
  const outcome = await sendAttempt(deps, settings, endpoint, delivery, attemptAt);
  return recordAttempt(db, settings.clock, endpoint, delivery.id, attemptAt, outcome);
}
