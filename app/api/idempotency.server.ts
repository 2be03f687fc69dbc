import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { ApiError } from "./errors";

/**
 * `Idempotency-Key` on POST (docs/decisions/0002-rest-api.md). The first request with a key claims
 * it with a unique insert on (api key, idempotency key); its response is stored for 24 h and
 * replayed for the same key + same request; a different request with the key gets 409. A
 * duplicate arriving while the first is still running waits briefly for its result, else 409.
 * Responses that did not complete the work (5xx, 400 validation errors) release the key so the
 * client can retry or correct the request.
 */
export const IDEMPOTENCY_TTL_HOURS = 24;
export const IDEMPOTENCY_KEY_MAX = 255;
const WAIT_FOR_FIRST_MS = 5_000;
const POLL_MS = 50;

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

export type Claim =
  | { kind: "claimed"; release(): Promise<void>; complete(r: StoredResponse): Promise<void> }
  | { kind: "replay"; response: StoredResponse };

export function requestHash(method: string, path: string, rawBody: string): string {
  return createHash("sha256").update(`${method}\n${path}\n${rawBody}`).digest("hex");
}

export function validateIdempotencyKey(key: string): void {
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX || /[^\x20-\x7e]/.test(key)) {
    throw new ApiError(
      "invalid_request",
      `The Idempotency-Key header must be 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters.`,
    );
  }
}

export async function claimIdempotencyKey(
  db: DB,
  input: { apiKeyId: string; key: string; method: string; path: string; rawBody: string },
): Promise<Claim> {
  validateIdempotencyKey(input.key);
  const hash = requestHash(input.method, input.path, input.rawBody);
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    // Claim: insert, or take over an expired row. Concurrent claims serialise on the primary key.
    const claimed = await db
      .insertInto("api_idempotency_keys")
      .values({
        api_key_id: input.apiKeyId,
        key: input.key,
        request_hash: hash,
        method: input.method,
        path: input.path,
        state: "processing",
        expires_at: sql<Date>`now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
      })
      .onConflict((oc) =>
        oc
          .columns(["api_key_id", "key"])
          .doUpdateSet({
            request_hash: hash,
            method: input.method,
            path: input.path,
            state: "processing",
            response_status: null,
            response_body: null,
            response_content_type: null,
            completed_at: null,
            expires_at: sql<Date>`now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
          })
          .where("api_idempotency_keys.expires_at", "<=", sql<Date>`now()`),
      )
      .returning("key")
      .executeTakeFirst();
    if (claimed) {
      const where = { apiKeyId: input.apiKeyId, key: input.key };
      return {
        kind: "claimed",
        release: () => release(db, where),
        complete: (r) => complete(db, where, r),
      };
    }

    const existing = await db
      .selectFrom("api_idempotency_keys")
      .selectAll()
      .where("api_key_id", "=", input.apiKeyId)
      .where("key", "=", input.key)
      .executeTakeFirst();
    if (!existing) continue; // released or expired in between: claim again
    if (existing.request_hash !== hash) {
      throw new ApiError(
        "conflict",
        "This Idempotency-Key was already used with a different request (method, path or body). Use a new key for a new request.",
      );
    }
    if (existing.state === "completed") {
      return {
        kind: "replay",
        response: {
          status: existing.response_status!,
          body: existing.response_body!,
          contentType: existing.response_content_type ?? "application/json; charset=utf-8",
        },
      };
    }
    if (Date.now() >= deadline) {
      throw new ApiError(
        "conflict",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function release(db: DB, where: { apiKeyId: string; key: string }): Promise<void> {
  await db
    .deleteFrom("api_idempotency_keys")
    .where("api_key_id", "=", where.apiKeyId)
    .where("key", "=", where.key)
    .where("state", "=", "processing")
    .execute();
}

async function complete(
  db: DB,
  where: { apiKeyId: string; key: string },
  r: StoredResponse,
): Promise<void> {
  await db
    .updateTable("api_idempotency_keys")
    .set({
      state: "completed",
      response_status: r.status,
      response_body: r.body,
      response_content_type: r.contentType,
      completed_at: sql<Date>`now()`,
    })
    .where("api_key_id", "=", where.apiKeyId)
    .where("key", "=", where.key)
    .execute();
  // Housekeeping: this key's expired rows (indexed; small).
  await db
    .deleteFrom("api_idempotency_keys")
    .where("api_key_id", "=", where.apiKeyId)
    .where("expires_at", "<=", sql<Date>`now()`)
    .execute();
}

/** Whether a response is stored for replay (the work ran to a definite outcome). */
export function isReplayable(status: number): boolean {
  return status < 500 && status !== 400 && status !== 429;
}
