/**
 * The delivery log of an endpoint (the endpoint page): its deliveries newest first, keyset-paged
 * by delivery id, each with its message body and attempts. Brand-scoped.
 */
import type { DB } from "~/db/db.server";
import type { WebhookDeliveryStatus } from "~/db/schema";
import { isUuid } from "~/domain/ids";

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

/** Deliveries of one of the brand's endpoints older than the `before` delivery, newest first. */
async function deliveryRows(
  db: DB,
  input: { brandId: string; endpointId: string; before?: string | null },
  limit: number,
) {
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
  return query.orderBy("d.created_at", "desc").orderBy("d.id", "desc").limit(limit).execute();
}

/** The attempts of these deliveries, newest first. */
async function attemptsOf(db: DB, brandId: string, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return [];
  return db
    .selectFrom("webhook_attempts")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("delivery_id", "in", deliveryIds)
    .orderBy("attempted_at", "desc")
    .execute();
}

/** The delivery log of one of the brand's endpoints, newest first, keyset-paginated. */
export async function listDeliveries(
  db: DB,
  input: { brandId: string; endpointId: string; limit?: number; before?: string | null },
): Promise<DeliveryLogPage> {
  if (!isUuid(input.endpointId)) return { deliveries: [], nextCursor: null };
  const limit = Math.min(Math.max(input.limit ?? 25, 1), 100);
  const rows = await deliveryRows(db, input, limit + 1);
  const page = rows.slice(0, limit);
  const attempts = await attemptsOf(
    db,
    input.brandId,
    page.map((r) => r.id),
  );
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
