/**
 * A Stripe payment as a `PaymentRecord` (app/domain/payment-history.ts): from a read invoice or
 * one-off Checkout Session (app/stripe/readers.ts) and its resolved promotion codes. Shared by the
 * event's own payment (payment-records.server.ts) and the customer scan (stripe-facts.ts).
 */
import { effectiveAt, type PaymentRecord } from "~/domain/payment-history";
import type { InvoiceFacts, SessionFacts } from "~/stripe/readers";

export function invoiceRecordOf(
  f: InvoiceFacts,
  codes: { promotionCodeIds: string[]; affiliateCouponHints: string[] },
  processed: boolean,
): PaymentRecord {
  return {
    key: f.id,
    kind: "invoice",
    customerId: f.customerId,
    at: effectiveAt(f),
    periodStart: f.periodStart,
    amount: f.amount,
    currency: f.currency,
    billingReason: f.billingReason,
    subscriptionId: f.subscriptionId,
    sessionId: null,
    paymentIntentId: null,
    ...codes,
    clickRef: f.clickRef,
    processed,
  };
}

export function sessionRecordOf(
  s: SessionFacts,
  promotionCodeIds: string[],
  processed: boolean,
): PaymentRecord {
  return {
    key: s.id,
    kind: "session",
    customerId: s.customerId,
    at: s.createdAt,
    periodStart: s.createdAt,
    amount: s.amount,
    currency: s.currency,
    billingReason: null,
    subscriptionId: null,
    sessionId: s.id,
    paymentIntentId: s.paymentIntentId,
    promotionCodeIds,
    affiliateCouponHints: [],
    clickRef: s.clickRef,
    processed,
  };
}
