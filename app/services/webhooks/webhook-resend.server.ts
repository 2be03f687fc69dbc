/**
 * Deliveries the brand asks for from the endpoint page: a `webhook.test` message to one endpoint,
 * and resending a message (to one endpoint, or to every enabled endpoint it went to) with a fresh
 * retry cycle. Brand-scoped: another brand's message or endpoint answers null.
 */
import type { DB } from "~/db/db.server";
import { isUuid } from "~/domain/ids";
import { TEST_EVENT_TYPE } from "~/webhooks/events";
import {
  deliveryValues,
  enqueueDelivery,
  insertMessage,
  isMessageId,
} from "./webhook-outbox.server";

/** The brand's endpoint, or the message to show when it is disabled; null when not the brand's. */
async function enabledEndpoint(
  trx: DB,
  brandId: string,
  endpointId: string,
  disabledMessage: string,
): Promise<{ id: string } | { ok: false; message: string } | null> {
  const endpoint = await trx
    .selectFrom("webhook_endpoints")
    .select(["id", "enabled"])
    .where("id", "=", endpointId)
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  if (!endpoint) return null;
  if (!endpoint.enabled) return { ok: false as const, message: disabledMessage };
  return { id: endpoint.id };
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
    const endpoint = await enabledEndpoint(
      trx,
      input.brandId,
      input.endpointId,
      "This endpoint is disabled. Enable it to send a test event.",
    );
    if (!endpoint || !("id" in endpoint)) return endpoint;
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
      .values(deliveryValues({ messageId, endpointId: endpoint.id, brandId: input.brandId }, now))
      .returning("id")
      .executeTakeFirstOrThrow();
    await enqueueDelivery(trx, delivery.id);
    return { ok: true as const, messageId };
  });
}

export type ResendResult = { ok: true; queued: number } | { ok: false; message: string } | null;

/** The enabled endpoints a message was delivered to. */
async function enabledEndpointsOf(trx: DB, messageId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_endpoints as e", "e.id", "d.endpoint_id")
    .select("e.id")
    .where("d.message_id", "=", messageId)
    .where("e.enabled", "=", true)
    .execute();
  return rows.map((r) => r.id);
}

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
      const endpoint = await enabledEndpoint(
        trx,
        input.brandId,
        input.endpointId,
        "This endpoint is disabled. Enable it before resending.",
      );
      if (!endpoint || !("id" in endpoint)) return endpoint;
      endpointIds = [endpoint.id];
    } else {
      endpointIds = await enabledEndpointsOf(trx, message.id);
      if (endpointIds.length === 0) {
        return { ok: false as const, message: "No enabled endpoint to resend this message to." };
      }
    }
    for (const endpointId of endpointIds) {
      const values = deliveryValues(
        { messageId: message.id, endpointId, brandId: input.brandId },
        now,
      );
      const row = await trx
        .insertInto("webhook_deliveries")
        .values(values)
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
