/**
 * The registry of event handlers: one module per event type Rekomi subscribes to
 * (STRIPE_WEBHOOK_EVENTS). A plain typed map, so go-to-definition leads from a type to its module.
 * Handlers must be idempotent (unique keys on Stripe object ids): a retried job may run one again.
 */
import type { StripeWebhookEventType } from "../stripe-account/stripe-connection.server";
import { onChargeRefunded } from "./charge-refunded";
import { onCheckoutSessionCompleted } from "./checkout-session-completed";
import type { StripeEventHandler } from "./context";
import { onCouponDeleted } from "./coupon-deleted";
import { onInvoicePaid } from "./invoice-paid";
import { onInvoicePaymentPaid } from "./invoice-payment-paid";
import { onPromotionCodeUpdated } from "./promotion-code-updated";
import { onSubscriptionCreated } from "./subscription-created";

export const stripeEventHandlers: Record<StripeWebhookEventType, StripeEventHandler> = {
  "invoice.paid": onInvoicePaid,
  "invoice_payment.paid": onInvoicePaymentPaid,
  "customer.subscription.created": onSubscriptionCreated,
  "checkout.session.completed": onCheckoutSessionCompleted,
  "charge.refunded": onChargeRefunded,
  "promotion_code.updated": onPromotionCodeUpdated,
  "coupon.deleted": onCouponDeleted,
};
