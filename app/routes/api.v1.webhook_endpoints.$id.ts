import { notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { DeletedResponse } from "~/api/schemas";
import { deleteWebhookEndpoint } from "~/services/webhooks/webhook-endpoints.server";

/** `DELETE /api/v1/webhook_endpoints/{id}` — another brand's endpoint is 404. */
export const { loader, action } = apiRoute({
  async DELETE(ctx) {
    const deleted = await deleteWebhookEndpoint(ctx.db, {
      brandId: ctx.brandId,
      endpointId: ctx.params.id ?? "",
    });
    if (!deleted) throw notFound("Webhook endpoint");
    return respond(DeletedResponse, { id: deleted.id, deleted: true });
  },
});
