/**
 * The contract's JSON for webhook endpoints (DESIGN.md section 7): the list and create shapes.
 * The signing secret appears only in the create response.
 */
import type { WebhookEndpointSummary } from "~/services/webhooks/webhook-endpoints.server";
import type { WebhookEventType } from "~/webhooks/events";

export interface WebhookEndpointJson {
  id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
}

export function webhookEndpointJson(e: WebhookEndpointSummary): WebhookEndpointJson {
  return { id: e.id, url: e.url, events: e.eventTypes, enabled: e.enabled };
}
