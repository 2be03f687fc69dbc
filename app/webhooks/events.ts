/** Outbound webhook event types (DESIGN.md section 7). Shared by server and UI; no I/O. */
export const WEBHOOK_EVENT_TYPES = [
  "conversion.created",
  "conversion.refunded",
  "conversion.updated",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by "Send test event"; endpoints cannot subscribe to it. */
export const TEST_EVENT_TYPE = "webhook.test";

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "conversion.created": "A conversion is recorded",
  "conversion.refunded": "A conversion is fully refunded",
  "conversion.updated": "A conversion changes (e.g. a partial refund)",
};

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
