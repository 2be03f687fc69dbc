/**
 * The attribution engine's public surface (DESIGN.md section 5). The Stripe event handlers are
 * registered in `stripeEventHandlers` (app/services/attribution/stripe-events.server.ts); the S2S service is
 * app/services/attribution/s2s.server.ts; queries and the JSON shape are app/services/conversions/conversions.server.ts.
 */
export {
  attributionHandlers,
  onChargeRefunded,
  onCheckoutSessionCompleted,
  onInvoicePaid,
  onInvoicePaymentPaid,
  onSubscriptionCreated,
} from "./handlers";
export {
  applyChargeRefund,
  applyInvoicePayment,
  applyPayment,
  lockAttribution,
  lockBrand,
  type LockScope,
} from "./engine";
export { StripeFacts, SCAN_MARGIN_SECONDS } from "./stripe-facts";
export type { PaymentRecord } from "./history";
