/**
 * Stripe facts shared by the server and the Settings → Stripe page (no server imports here, so
 * the browser bundle can use them).
 */

/** The events Rekomi's webhook endpoint subscribes to (and the only ones it processes). */
export const STRIPE_WEBHOOK_EVENTS = [
  "invoice.paid",
  "invoice_payment.paid",
  "customer.subscription.created",
  "checkout.session.completed",
  "charge.refunded",
  "promotion_code.updated",
  "coupon.deleted",
] as const;

export type StripeWebhookEventType = (typeof STRIPE_WEBHOOK_EVENTS)[number];

/** Restricted-key permissions the brand must grant (DESIGN.md section 4). */
export const STRIPE_KEY_PERMISSIONS = {
  write: ["Coupons", "Promotion Codes", "Webhook Endpoints"],
  read: ["Invoices", "Subscriptions", "Charges", "Checkout Sessions", "Customers"],
} as const;
