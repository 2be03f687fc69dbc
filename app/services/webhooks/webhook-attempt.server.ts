/**
 * The three steps of one outbound delivery attempt, each run by `deliverWebhook`
 * (webhook-messages.server.ts): claim a per-endpoint in-flight slot in a short transaction, send
 * the signed request outside any transaction, then log the attempt and decide what is next (done,
 * retry at the scheduled time with its own job, exhausted, or endpoint disabled) in a second one.
 */
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { WebhookEndpointRow } from "~/db/schema";
import { type PostResult, postWebhook } from "~/webhooks/http.server";
import { webhookHeaders } from "~/webhooks/signing";
import { activeSigningSecrets, cancelOpenDeliveries } from "./webhook-endpoints.server";
import { enqueueDelivery } from "./webhook-outbox.server";

export interface DeliveryDeps {
  config: Pick<Config, "encryptionKey" | "allowPrivateWebhookUrls">;
  /** Clock (tests drive the retry schedule with a fake one). */
  now?: () => Date;
  timeoutMs?: number;
  maxResponseBytes?: number;
  maxInFlightPerEndpoint?: number;
  /** How long to wait before re-checking when the endpoint already has its share in flight. */
  busyRetryMs?: number;
}

export type DeliverOutcome =
  | "not_found"
  | "not_open"
  | "not_due"
  | "busy"
  | "cancelled"
  | "succeeded"
  | "retry_scheduled"
  | "exhausted"
  | "endpoint_disabled";

/** How an attempt runs: the clock, the request timeout, the in-flight cap and the busy back-off. */
export interface AttemptSettings {
  clock: () => Date;
  timeoutMs: number;
  maxResponseBytes: number;
  cap: number;
  busyRetryMs: number;
}

export interface ClaimedDelivery {
  id: string;
  message_id: string;
  body: string;
}

export type Claim =
  | { outcome: Exclude<DeliverOutcome, "succeeded" | "retry_scheduled" | "exhausted"> }
  | { outcome: "claimed"; endpoint: WebhookEndpointRow; delivery: ClaimedDelivery };

/** Step 1: lock the endpoint and the delivery, check it is due and has a slot, and take it. */
export function claimDelivery(db: DB, s: AttemptSettings, deliveryId: string): Promise<Claim> {
  return db.transaction().execute(async (trx): Promise<Claim> => {
    const now = s.clock();
    const first = await trx
      .selectFrom("webhook_deliveries")
      .select("endpoint_id")
      .where("id", "=", deliveryId)
      .executeTakeFirst();
    if (!first) return { outcome: "not_found" };
    // Lock order everywhere: endpoint row, then delivery row.
    const endpoint = await trx
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", first.endpoint_id)
      .forUpdate()
      .executeTakeFirst();
    const delivery = await trx
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_messages as m", "m.id", "d.message_id")
      .select([
        "d.id",
        "d.status",
        "d.next_attempt_at",
        "d.in_flight_until",
        "d.message_id",
        "m.body",
      ])
      .where("d.id", "=", deliveryId)
      .forUpdate("d")
      .executeTakeFirst();
    if (!endpoint || !delivery) return { outcome: "not_found" };
    if (delivery.status !== "pending" && delivery.status !== "failed")
      return { outcome: "not_open" };
    if (!endpoint.enabled) {
      await cancelOpenDeliveries(trx, endpoint.id, now);
      return { outcome: "cancelled" };
    }
    const wait = await waitReason(trx, s, endpoint, delivery, now);
    if (wait) return { outcome: wait };
    await trx
      .updateTable("webhook_deliveries")
      .set({ in_flight_until: new Date(now.getTime() + s.timeoutMs + 5000) })
      .where("id", "=", delivery.id)
      .execute();
    return { outcome: "claimed", endpoint, delivery };
  });
}

/** Why the claimed delivery must wait (re-queued for later), or null when it may go now. */
async function waitReason(
  trx: DB,
  s: AttemptSettings,
  endpoint: WebhookEndpointRow,
  delivery: { id: string; next_attempt_at: Date | null; in_flight_until: Date | null },
  now: Date,
): Promise<"not_due" | "busy" | null> {
  if (delivery.next_attempt_at && delivery.next_attempt_at.getTime() > now.getTime() + 1000) {
    // Ran early (e.g. clock skew between workers): make sure the attempt stays scheduled.
    await enqueueDelivery(trx, delivery.id, delivery.next_attempt_at);
    return "not_due";
  }
  if (delivery.in_flight_until && delivery.in_flight_until > now) {
    // An earlier run of this very delivery is still waiting on the receiver.
    await enqueueDelivery(trx, delivery.id, delivery.in_flight_until);
    return "busy";
  }
  const { n } = await trx
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("endpoint_id", "=", endpoint.id)
    .where("in_flight_until", ">", now)
    .executeTakeFirstOrThrow();
  const allowed = endpoint.failing_since ? 1 : s.cap;
  if (Number(n) >= allowed) {
    // This endpoint has its share of workers; come back shortly instead of queueing behind it.
    const jitter = Math.floor(Math.random() * s.busyRetryMs);
    await enqueueDelivery(trx, delivery.id, new Date(now.getTime() + s.busyRetryMs + jitter));
    return "busy";
  }
  return null;
}

export type AttemptResult = PostResult;

/** Step 2, outside any transaction: sign and POST the stored body. */
export async function sendAttempt(
  deps: DeliveryDeps,
  s: AttemptSettings,
  endpoint: WebhookEndpointRow,
  delivery: ClaimedDelivery,
  attemptAt: Date,
): Promise<AttemptResult> {
  try {
    const secrets = activeSigningSecrets(deps.config, endpoint, attemptAt);
    const headers = webhookHeaders(secrets, delivery.message_id, attemptAt, delivery.body);
    return await postWebhook(endpoint.url, delivery.body, headers, {
      timeoutMs: s.timeoutMs,
      maxResponseBytes: s.maxResponseBytes,
      allowPrivate: deps.config.allowPrivateWebhookUrls,
    });
  } catch (error) {
    // Signing failed (e.g. the secret cannot be decrypted): log it as a failed attempt.
    return {
      statusCode: null,
      retryAfter: null,
      body: "",
      error: `Could not sign the request: ${(error as Error).message}`,
      latencyMs: 0,
    };
  }
}
