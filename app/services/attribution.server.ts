/**
 * The attribution engine's public surface (DESIGN.md section 5). The Stripe event handlers are
 * registered in `stripeEventHandlers` (app/services/stripe-events.server.ts); the S2S service is
 * app/services/s2s.server.ts; queries and the JSON shape are app/services/conversions.server.ts.
 */
export {
  attributionHandlers,
  onChargeRefunded,
  onCheckoutSessionCompleted,
  onInvoicePaid,
  onInvoicePaymentPaid,
  onSubscriptionCreated,
} from "./attribution/handlers";
export {
  applyChargeRefund,
  applyInvoicePayment,
  applyPayment,
  lockAttribution,
  lockBrand,
  type LockScope,
} from "./attribution/engine";
export { StripeFacts, SCAN_MARGIN_SECONDS } from "./attribution/stripe-facts";
export type { PaymentRecord } from "./attribution/history";
