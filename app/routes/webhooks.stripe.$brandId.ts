import type { ActionFunctionArgs } from "@remix-run/node";
import { toResponse } from "~/http/reply.server";
import {
  MAX_WEBHOOK_BODY_BYTES,
  stripeWebhookReply,
  webhookMethodNotAllowed,
  webhookTooLarge,
} from "~/http/stripe-webhook.server";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";

/**
 * `POST /webhooks/stripe/:brandId`: Stripe's deliveries for one brand (app/http/stripe-webhook.server.ts).
 * In the running server, the hot-path listener in front of express answers POST on this path first
 * (server.ts -> app/http/hot-paths.server.ts) with the same implementation; this route answers
 * everywhere else (tests, other methods).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return toResponse(webhookMethodNotAllowed());

  let rawBody: string;
  try {
    rawBody = await readBodyWithLimit(request, MAX_WEBHOOK_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return toResponse(webhookTooLarge());
    throw error;
  }
  return toResponse(
    await stripeWebhookReply(context.db, context.config, {
      brandId: params.brandId ?? "",
      rawBody,
      signature: request.headers.get("Stripe-Signature"),
    }),
  );
}

export function loader() {
  return toResponse(webhookMethodNotAllowed());
}
