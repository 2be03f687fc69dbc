import type { ActionFunctionArgs } from "@remix-run/node";
import { intakeStripeEvent } from "~/services/stripe-events.server";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";

/**
 * `POST /webhooks/stripe/:brandId`: Stripe's deliveries for one brand. Authenticated by the
 * `Stripe-Signature` header (no session, no CSRF). Stored and queued in one transaction; 2xx only
 * once the row is committed, so Stripe retries anything we could not store.
 */
const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return reply(405, { error: "Method not allowed" }, { Allow: "POST" });

  let rawBody: string;
  try {
    rawBody = await readBodyWithLimit(request, MAX_WEBHOOK_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return reply(413, { error: "Payload too large (limit 1 MB)" });
    throw error;
  }

  try {
    const result = await intakeStripeEvent(context.db, context.config, {
      brandId: params.brandId ?? "",
      rawBody,
      signature: request.headers.get("Stripe-Signature"),
    });
    switch (result.kind) {
      case "not_found":
        return reply(404, { error: "Unknown or unconnected brand" });
      case "rejected":
        return reply(400, { error: result.message });
      case "stored":
        return reply(200, result.duplicate ? { received: true, duplicate: true } : { received: true });
    }
  } catch (error) {
    // The database (or anything else) failed: never 2xx without the row, so Stripe retries.
    const unavailable = isDatabaseUnavailable(error);
    console.error(
      `[webhooks.stripe] ${unavailable ? "database unavailable" : "intake failed"}:`,
      error instanceof Error ? error.message : error,
    );
    return unavailable
      ? reply(503, { error: "Temporarily unavailable, retry later" }, { "Retry-After": "30" })
      : reply(500, { error: "Internal error, retry later" });
  }
}

export function loader() {
  return reply(405, { error: "Method not allowed" }, { Allow: "POST" });
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EHOSTUNREACH"]);

/** Connection-level failures: refused/reset sockets, a closed pool, Postgres classes 08/53/57. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown };
    const code = typeof err.code === "string" ? err.code : "";
    if (CONNECTION_CODES.has(code) || /^(08|53|57P)/.test(code)) return true;
    const message = typeof err.message === "string" ? err.message : "";
    if (
      /Cannot use a pool after calling end|Connection terminated|is not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|too many clients/i.test(
        message,
      )
    ) {
      return true;
    }
    if (Array.isArray(err.errors) && err.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = err.cause;
  }
  return false;
}
