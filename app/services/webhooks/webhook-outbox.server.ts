/**
 * The outbound webhook outbox's building blocks: message ids, the stored message (its body
 * serialised once; these exact bytes are signed and sent on every attempt), a delivery row per
 * message x endpoint, and the delivery job that carries each attempt.
 */
import { randomInt } from "node:crypto";
import { addJob } from "~/db/jobs.server";
import type { DB } from "~/db/db.server";
import { DELIVER_WEBHOOK_TASK, deliveryJobKey } from "~/db/job-registry";

export { DELIVER_WEBHOOK_TASK };
/** graphile-worker's own retries only cover crashes/DB errors inside the job, not HTTP failures. */
const JOB_MAX_ATTEMPTS = 10;

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

export async function enqueueDelivery(db: DB, deliveryId: string, runAt?: Date): Promise<void> {
  await addJob(
    db,
    DELIVER_WEBHOOK_TASK,
    { deliveryId },
    { jobKey: deliveryJobKey(deliveryId), runAt, maxAttempts: JOB_MAX_ATTEMPTS },
  );
}

export async function insertMessage(
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

/** A pending delivery of a message to an endpoint, starting its retry cycle `now`. */
export function deliveryValues(
  input: { messageId: string; endpointId: string; brandId: string },
  now: Date,
) {
  return {
    message_id: input.messageId,
    endpoint_id: input.endpointId,
    brand_id: input.brandId,
    cycle_started_at: now,
    next_attempt_at: now,
  };
}
