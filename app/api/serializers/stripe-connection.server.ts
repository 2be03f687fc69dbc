/** The contract's JSON for the brand's Stripe connection (DESIGN.md section 7). Pure. */
import type { StripeConnectionStatus } from "~/services/stripe-account/stripe-connection.server";

/** The `GET|PUT /api/v1/stripe_connection` body. */
export function stripeConnectionJson(status: StripeConnectionStatus): {
  connected: boolean;
  webhook_endpoint_id: string | null;
  livemode: boolean | null;
} {
  return {
    connected: status.connected,
    webhook_endpoint_id: status.webhook_endpoint_id,
    livemode: status.livemode,
  };
}
