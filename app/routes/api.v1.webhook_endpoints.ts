import { ApiError } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { mapPage, pageParams, paginate } from "~/api/pagination.server";
import {
  PageQuery,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointList,
} from "~/api/schemas";
import {
  createWebhookEndpoint,
  toEndpointSummary,
} from "~/services/webhooks/webhook-endpoints.server";
import { WEBHOOK_EVENT_TYPES } from "~/webhooks/events";

/** `GET|POST /api/v1/webhook_endpoints` — the secret is only in the POST response. */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = await paginate(
      ctx.db
        .selectFrom("webhook_endpoints as e")
        .selectAll("e")
        .where("e.brand_id", "=", ctx.brandId),
      "e",
      pageParams(ctx.query(PageQuery)),
    );
    return respond(
      WebhookEndpointList,
      mapPage(page, (row) => {
        const e = toEndpointSummary(row);
        return { id: e.id, url: e.url, events: e.eventTypes, enabled: e.enabled };
      }),
    );
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
    const e = result.endpoint;
    return respond(
      WebhookEndpointCreated,
      { id: e.id, url: e.url, events: e.eventTypes, enabled: e.enabled, secret: result.secret },
      201,
    );
  },
});
