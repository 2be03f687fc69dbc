/**
 * `POST /webhooks/stripe/:brandId`: Stripe's deliveries for one brand, as one implementation
 * shared by the Remix route (app/routes/webhooks.stripe.$brandId.ts) and the hot-path listener in
 * front of express (server.ts -> app/http/hot-paths.server.ts). Authenticated by the `Stripe-Signature`
 * header (no session, no CSRF). Stored and queued in one transaction; 2xx only once the row is
 * committed, so Stripe retries anything we could not store.
 */
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { intakeStripeEvent } from "~/services/stripe-events/intake.server";
import { isDatabaseUnavailable } from "../db/db-errors.server";
import { jsonReply, type HttpReply } from "./reply.server";

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const NO_STORE = { "Cache-Control": "no-store" };

export function webhookMethodNotAllowed(): HttpReply {
  return jsonReply(405, { error: "Method not allowed" }, { ...NO_STORE, Allow: "POST" });
}

export function webhookTooLarge(): HttpReply {
  return jsonReply(413, { error: "Payload too large (limit 1 MB)" }, NO_STORE);
}

/** The answer to one delivery whose body was read (within the limit). Never throws. */
export async function stripeWebhookReply(
  db: DB,
  config: Pick<Config, "encryptionKey">,
  input: { brandId: string; rawBody: string; signature: string | null },
): Promise<HttpReply> {
  try {
    const result = await intakeStripeEvent(db, config, input);
    switch (result.kind) {
      case "not_found":
        return jsonReply(404, { error: "Unknown or unconnected brand" }, NO_STORE);
      case "rejected":
        return jsonReply(400, { error: result.message }, NO_STORE);
      case "stored":
        return jsonReply(
          200,
          result.duplicate ? { received: true, duplicate: true } : { received: true },
          NO_STORE,
        );
    }
  } catch (error) {
    // The database (or anything else) failed: never 2xx without the row, so Stripe retries.
    const unavailable = isDatabaseUnavailable(error);
    console.error(
      `[webhooks.stripe] ${unavailable ? "database unavailable" : "intake failed"}:`,
      error instanceof Error ? error.message : error,
    );
    return unavailable
      ? jsonReply(
          503,
          { error: "Temporarily unavailable, retry later" },
          { ...NO_STORE, "Retry-After": "30" },
        )
      : jsonReply(500, { error: "Internal error, retry later" }, NO_STORE);
  }
}
