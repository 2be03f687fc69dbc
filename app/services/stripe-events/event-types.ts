/** The Stripe event types Rekomi subscribes to and processes (STRIPE_WEBHOOK_EVENTS). */
import {
  STRIPE_WEBHOOK_EVENTS,
  type StripeWebhookEventType,
} from "../stripe-account/stripe-connection.server";

const HANDLED = new Set<string>(STRIPE_WEBHOOK_EVENTS);

export function isHandledEventType(type: string): type is StripeWebhookEventType {
  return HANDLED.has(type);
}
