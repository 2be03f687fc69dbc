/**
 * `invoice_payment.paid`: remember invoice <-> payment intent (refunds find their conversion). The
 * payload names no customer: it is the recorded conversion's; before the invoice is recorded, the
 * brand is locked exclusively (the conversion being recorded concurrently must see the link).
 * No Stripe reads, so no gather phase.
 */
import type { DB } from "~/db/db.server";
import { type InvoicePaymentFacts, readInvoicePayment } from "~/stripe/readers";
import {
  conversionLockKey,
  type LockScope,
  lockAttribution,
  lockKeys,
} from "../attribution/locks.server";
import { applyInvoicePayment } from "../attribution/refunds.server";
import { eventObject, type StripeEventContext } from "./context";

async function lockScope(
  trx: DB,
  brandId: string,
  f: InvoicePaymentFacts | null,
): Promise<LockScope> {
  if (!f || !f.paymentIntentId) return lockKeys();
  const conversion = await trx
    .selectFrom("conversions")
    .select([
      "stripe_customer_id",
      "stripe_invoice_id",
      "stripe_checkout_session_id",
      "stripe_payment_intent_id",
    ])
    .where("brand_id", "=", brandId)
    .where("stripe_invoice_id", "=", f.invoiceId)
    .executeTakeFirst();
  const key = conversion ? conversionLockKey(conversion) : null;
  return key ? lockKeys(key, `pi:${f.paymentIntentId}`) : { kind: "brand" };
}

export async function onInvoicePaymentPaid(ctx: StripeEventContext): Promise<void> {
  const { trx, brandId } = ctx;
  const payment = readInvoicePayment(eventObject(ctx.event));
  await lockAttribution(trx, brandId, await lockScope(trx, brandId, payment));
  if (payment?.paymentIntentId)
    await applyInvoicePayment(trx, brandId, payment.invoiceId, payment.paymentIntentId);
}
