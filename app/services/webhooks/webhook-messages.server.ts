import { randomInt } from "node:crypto";
import { sql } from "kysely";
import type { Config } from "~/config.server";
import { addJob } from "~/db/jobs.server";
import type { DB } from "~/db/db.server";
import type { WebhookDeliveryStatus } from "~/db/schema";
import { isUuid } from "~/domain/ids";
import { isWebhookEventType, TEST_EVENT_TYPE, type WebhookEventType } from "~/webhooks/events";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  postWebhook,
  responseSnippet,
} from "~/webhooks/http.server";
import { judgeAttempt, nextAttemptAt, shouldDisableEndpoint } from "~/webhooks/retry";
import { webhookHeaders } from "~/webhooks/signing";
import { queueNotification } from "../notifications/notification-events.server";
import { activeSigningSecrets, cancelOpenDeliveries } from "./webhook-endpoints.server";
import { DELIVER_WEBHOOK_TASK } from "~/db/job-registry";

export { DELIVER_WEBHOOK_TASK };

/**
 * Outbound webhook messages: the outbox (publish inside the caller's transaction), one delivery
 * per message x endpoint, the delivery job (sign, POST, log the attempt, schedule the retry), test
 * events, resends and the delivery log.
 */

/** graphile-worker's own retries only cover crashes/DB errors inside the job, not HTTP failures. */
const JOB_MAX_ATTEMPTS = 10;
/** A healthy endpoint gets up to this many requests in flight; a failing one gets 1. */
export const DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT = 2;
const DEFAULT_BUSY_RETRY_MS = 1000;

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `msg_` + 24 random base62 characters (~143 bits). */
export function newMessageId(): string {
  let id = "msg_";
  for (let i = 0; i < 24; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && /^msg_[A-Za-z0-9]{10,64}$/.test(value);
}

function deliveryJobKey(deliveryId: string): string {
  return `webhook-delivery:${deliveryId}`;
}

async function enqueueDelivery(db: DB, deliveryId: string, runAt?: Date): Promise<void> {
  await addJob(
    db,
    DELIVER_WEBHOOK_TASK,
    { deliveryId },
    { jobKey: deliveryJobKey(deliveryId), runAt, maxAttempts: JOB_MAX_ATTEMPTS },
  );
}

async function insertMessage(
  db: DB,
  input: { brandId: string; type: string; data: Record<string, unknown>; occurredAt: Date },
): Promise<string> {
  const id = newMessageId();
  // Serialised once; these exact bytes are signed and sent on every attempt.
  const body = JSON.stringify({
    type: input.type,
    timestamp: input.occurredAt.toISOString(),
    data: input.data,
  });
  await db
    .insertInto("webhook_messages")
    .values({ id, brand_id: input.brandId, event_type: input.type, payload: body, body })
    .execute();
  return id;
}

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
        endpoints.map((e) => ({
          message_id: messageId,
          endpoint_id: e.id,
          brand_id: input.brandId,
          cycle_started_at: now,
          next_attempt_at: now,
        })),
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

export type SendTestResult =
  { ok: true; messageId: string } | { ok: false; message: string } | null;

/** A `webhook.test` message to one endpoint (whatever its event subscriptions). */
export async function sendTestEvent(
  db: DB,
  input: { brandId: string; endpointId: string; now?: Date },
): Promise<SendTestResult> {
  if (!isUuid(input.endpointId)) return null;
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const endpoint = await trx
      .selectFrom("webhook_endpoints")
      .select(["id", "enabled"])
      .where("id", "=", input.endpointId)
      .where("brand_id", "=", input.brandId)
      .executeTakeFirst();
    if (!endpoint) return null;
    if (!endpoint.enabled) {
      return {
        ok: false as const,
        message: "This endpoint is disabled. Enable it to send a test event.",
      };
    }
    const messageId = await insertMessage(trx, {
      brandId: input.brandId,
      type: TEST_EVENT_TYPE,
      occurredAt: now,
      data: {
        test: true,
        endpoint_id: endpoint.id,
        message: "This is a test event from Rekomi. Verify its signature, then answer 2xx.",
      },
    });
    const delivery = await trx
      .insertInto("webhook_deliveries")
      .values({
        message_id: messageId,
        endpoint_id: endpoint.id,
        brand_id: input.brandId,
        cycle_started_at: now,
        next_attempt_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await enqueueDelivery(trx, delivery.id);
    return { ok: true as const, messageId };
  });
}

export type ResendResult = { ok: true; queued: number } | { ok: false; message: string } | null;

/**
 * Deliver a message again, with a fresh retry cycle: to one endpoint (creating its delivery if
 * the message never went there) or to every enabled endpoint it was delivered to. The webhook-id
 * stays the message id. Null when the message (or endpoint) is not the brand's.
 */
export async function resendMessage(
  db: DB,
  input: { brandId: string; messageId: string; endpointId?: string; now?: Date },
): Promise<ResendResult> {
  if (!isMessageId(input.messageId)) return null;
  if (input.endpointId !== undefined && !isUuid(input.endpointId)) return null;
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom("webhook_messages")
      .select("id")
      .where("id", "=", input.messageId)
      .where("brand_id", "=", input.brandId)
      .executeTakeFirst();
    if (!message) return null;
    let endpointIds: string[];
    if (input.endpointId !== undefined) {
      const endpoint = await trx
        .selectFrom("webhook_endpoints")
        .select(["id", "enabled"])
        .where("id", "=", input.endpointId)
        .where("brand_id", "=", input.brandId)
        .executeTakeFirst();
      if (!endpoint) return null;
      if (!endpoint.enabled) {
        return {
          ok: false as const,
          message: "This endpoint is disabled. Enable it before resending.",
        };
      }
      endpointIds = [endpoint.id];
    } else {
      const rows = await trx
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
        .select("e.id")
        .where("d.message_id", "=", message.id)
        .where("e.enabled", "=", true)
        .execute();
      endpointIds = rows.map((r) => r.id);
      if (endpointIds.length === 0) {
        return { ok: false as const, message: "No enabled endpoint to resend this message to." };
      }
    }
    for (const endpointId of endpointIds) {
      const row = await trx
        .insertInto("webhook_deliveries")
        .values({
          message_id: message.id,
          endpoint_id: endpointId,
          brand_id: input.brandId,
          cycle_started_at: now,
          next_attempt_at: now,
        })
        .onConflict((oc) =>
          oc.columns(["message_id", "endpoint_id"]).doUpdateSet({
            status: "pending",
            cycle_started_at: now,
            cycle_attempts: 0,
            next_attempt_at: now,
            updated_at: now,
          }),
        )
        .returning("id")
        .executeTakeFirstOrThrow();
      await enqueueDelivery(trx, row.id);
    }
    return { ok: true as const, queued: endpointIds.length };
  });
}

// ---------------------------------------------------------------------------------------------
// Delivery

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
  const clock = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cap = deps.maxInFlightPerEndpoint ?? DEFAULT_MAX_IN_FLIGHT_PER_ENDPOINT;
  const busyRetryMs = deps.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS;

  const claim = await db.transaction().execute(async (trx) => {
    const now = clock();
    const first = await trx
      .selectFrom("webhook_deliveries")
      .select("endpoint_id")
      .where("id", "=", deliveryId)
      .executeTakeFirst();
    if (!first) return { outcome: "not_found" as const };
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
    if (!endpoint || !delivery) return { outcome: "not_found" as const };
    if (delivery.status !== "pending" && delivery.status !== "failed")
      return { outcome: "not_open" as const };
    if (!endpoint.enabled) {
      await cancelOpenDeliveries(trx, endpoint.id, now);
      return { outcome: "cancelled" as const };
    }
    if (delivery.next_attempt_at && delivery.next_attempt_at.getTime() > now.getTime() + 1000) {
      // Ran early (e.g. clock skew between workers): make sure the attempt stays scheduled.
      await enqueueDelivery(trx, delivery.id, delivery.next_attempt_at);
      return { outcome: "not_due" as const };
    }
    if (delivery.in_flight_until && delivery.in_flight_until > now) {
      // An earlier run of this very delivery is still waiting on the receiver.
      await enqueueDelivery(trx, delivery.id, delivery.in_flight_until);
      return { outcome: "busy" as const };
    }
    const { n } = await trx
      .selectFrom("webhook_deliveries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("endpoint_id", "=", endpoint.id)
      .where("in_flight_until", ">", now)
      .executeTakeFirstOrThrow();
    const allowed = endpoint.failing_since ? 1 : cap;
    if (Number(n) >= allowed) {
      // This endpoint has its share of workers; come back shortly instead of queueing behind it.
      const jitter = Math.floor(Math.random() * busyRetryMs);
      await enqueueDelivery(trx, delivery.id, new Date(now.getTime() + busyRetryMs + jitter));
      return { outcome: "busy" as const };
    }
    await trx
      .updateTable("webhook_deliveries")
      .set({ in_flight_until: new Date(now.getTime() + timeoutMs + 5000) })
      .where("id", "=", delivery.id)
      .execute();
    return { outcome: "claimed" as const, endpoint, delivery };
  });
  if (claim.outcome !== "claimed") return claim.outcome;
  const { endpoint, delivery } = claim;

  const attemptAt = clock();
  let result;
  try {
    const secrets = activeSigningSecrets(deps.config, endpoint, attemptAt);
    const headers = webhookHeaders(secrets, delivery.message_id, attemptAt, delivery.body);
    result = await postWebhook(endpoint.url, delivery.body, headers, {
      timeoutMs,
      maxResponseBytes: deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      allowPrivate: deps.config.allowPrivateWebhookUrls,
    });
  } catch (error) {
    // Signing failed (e.g. the secret cannot be decrypted): log it as a failed attempt.
    result = {
      statusCode: null,
      retryAfter: null,
      body: "",
      error: `Could not sign the request: ${(error as Error).message}`,
      latencyMs: 0,
    };
  }
  const outcome = result;

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
      .where("id", "=", delivery.id)
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

    if (verdict.kind === "succeeded") {
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
      return "succeeded";
    }

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
    const status: WebhookDeliveryStatus = next
      ? "failed"
      : stillOpen
        ? "exhausted"
        : current.status;
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
  });
}

// ---------------------------------------------------------------------------------------------
// Delivery log

export interface AttemptLogRow {
  id: string;
  attemptedAt: Date;
  succeeded: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
}

export interface DeliveryLogRow {
  id: string;
  messageId: string;
  eventType: string;
  messageCreatedAt: Date;
  body: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  succeededAt: Date | null;
  createdAt: Date;
  /** Newest first. */
  attempts: AttemptLogRow[];
}

export interface DeliveryLogPage {
  deliveries: DeliveryLogRow[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

/** The delivery log of one of the brand's endpoints, newest first, keyset-paginated. */
export async function listDeliveries(
  db: DB,
  input: { brandId: string; endpointId: string; limit?: number; before?: string | null },
): Promise<DeliveryLogPage> {
  if (!isUuid(input.endpointId)) return { deliveries: [], nextCursor: null };
  const limit = Math.min(Math.max(input.limit ?? 25, 1), 100);
  let query = db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_messages as m", "m.id", "d.message_id")
    .select([
      "d.id",
      "d.message_id",
      "m.event_type",
      "m.created_at as message_created_at",
      "m.body",
      "d.status",
      "d.attempt_count",
      "d.next_attempt_at",
      "d.last_status_code",
      "d.last_error",
      "d.succeeded_at",
      "d.created_at",
    ])
    .where("d.brand_id", "=", input.brandId)
    .where("d.endpoint_id", "=", input.endpointId);
  if (input.before && isUuid(input.before)) {
    const anchor = await db
      .selectFrom("webhook_deliveries")
      .select(["created_at", "id"])
      .where("id", "=", input.before)
      .where("brand_id", "=", input.brandId)
      .executeTakeFirst();
    if (anchor) {
      query = query.where((eb) =>
        eb.or([
          eb("d.created_at", "<", anchor.created_at),
          eb.and([eb("d.created_at", "=", anchor.created_at), eb("d.id", "<", anchor.id)]),
        ]),
      );
    }
  }
  const rows = await query
    .orderBy("d.created_at", "desc")
    .orderBy("d.id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const attempts =
    page.length === 0
      ? []
      : await db
          .selectFrom("webhook_attempts")
          .selectAll()
          .where("brand_id", "=", input.brandId)
          .where(
            "delivery_id",
            "in",
            page.map((r) => r.id),
          )
          .orderBy("attempted_at", "desc")
          .execute();
  return {
    deliveries: page.map((r) => ({
      id: r.id,
      messageId: r.message_id,
      eventType: r.event_type,
      messageCreatedAt: r.message_created_at,
      body: r.body,
      status: r.status,
      attemptCount: r.attempt_count,
      nextAttemptAt: r.next_attempt_at,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      succeededAt: r.succeeded_at,
      createdAt: r.created_at,
      attempts: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({
          id: a.id,
          attemptedAt: a.attempted_at,
          succeeded: a.succeeded,
          statusCode: a.status_code,
          latencyMs: a.latency_ms,
          error: a.error,
          responseSnippet: a.response_snippet,
        })),
    })),
    nextCursor: rows.length > limit ? page[page.length - 1].id : null,
  };
}
