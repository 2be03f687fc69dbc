import { ApiError } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { StripeConnection, StripeConnectionPut } from "~/api/schemas";
import {
  connectStripe,
  disconnectStripe,
  getStripeConnection,
} from "~/services/stripe-account/stripe-connection.server";
import { stripeConnectionJson } from "~/api/serializers/stripe-connection.server";

/**
 * `GET|PUT|DELETE /api/v1/stripe_connection`. PUT: a malformed key is `invalid_request`
 * (param secret_key); Stripe refusing it or failing is `stripe_error` 502 with Stripe's reason.
 * DELETE is idempotent and answers the (now disconnected) state.
 */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const status = await getStripeConnection(ctx.db, ctx.config, ctx.brandId);
    return respond(StripeConnection, stripeConnectionJson(status));
  },
  async PUT(ctx) {
    const { secret_key } = ctx.body(StripeConnectionPut);
    const result = await connectStripe(ctx.db, ctx.config, ctx.brandId, secret_key);
    if (!result.ok) {
      throw new ApiError(
        result.source === "stripe" ? "stripe_error" : "invalid_request",
        result.message,
        result.field,
      );
    }
    return respond(StripeConnection, stripeConnectionJson(result.connection));
  },
  async DELETE(ctx) {
    await disconnectStripe(ctx.db, ctx.config, ctx.brandId);
    const status = await getStripeConnection(ctx.db, ctx.config, ctx.brandId);
    return respond(StripeConnection, stripeConnectionJson(status));
  },
});
