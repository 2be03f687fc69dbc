import { ApiError } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { mapPage, pageParams } from "~/api/pagination.server";
import {
  PageQuery,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointList,
} from "~/api/schemas";
import { webhookEndpointJson } from "~/api/serializers/webhook-endpoints.server";
import {
  createWebhookEndpoint,
  listWebhookEndpointsPage,
} from "~/services/webhooks/webhook-endpoints.server";
import { WEBHOOK_EVENT_TYPES } from "~/webhooks/events";

/** `GET|POST /api/v1/webhook_endpoints` — the secret is only in the POST response. */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = pageParams(ctx.query(PageQuery));
    const endpoints = await listWebhookEndpointsPage(ctx.db, ctx.brandId, page);
    return respond(WebhookEndpointList, mapPage(endpoints, webhookEndpointJson));
  },
  async POST(ctx) {
    const body = ctx.body(WebhookEndpointCreate);
    const result = await createWebhookEndpoint(ctx.db, ctx, {
      brandId: ctx.brandId,
      values: {
        url: body.url,
        eventTypes: body.events ?? [...WEBHOOK_EVENT_TYPES],
        enabled: body.enabled ?? true,
      },
    });
    if (!result.ok) {
      const [field, message] = Object.entries(result.fieldErrors).find(([, m]) => m) ?? [
        "form",
        "Invalid request.",
      ];
      const param = field === "eventTypes" ? "events" : field === "form" ? undefined : field;
      throw new ApiError("invalid_request", message ?? "Invalid request.", param);
    }
    return respond(
      WebhookEndpointCreated,
      { ...webhookEndpointJson(result.endpoint), secret: result.secret },
      201,
    );
  },
});
