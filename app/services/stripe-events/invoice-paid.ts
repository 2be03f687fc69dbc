/**
 * `invoice.paid`: one conversion per invoice (renewals included; $0 invoices with a code too).
 * Parse once -> gather (Stripe, no transaction) -> lock the customer -> apply the payment.
 */
import { applyPayment } from "../attribution/apply-payment.server";
import { lockAttribution, lockKeys, paymentLockKey } from "../attribution/locks.server";
import {
  gatherPayment,
  invoiceRecord,
  saveLearnedDiscounts,
} from "../attribution/payment-records.server";
import { StripeFacts } from "../attribution/stripe-facts";
import { type InvoiceFacts, readInvoice } from "~/stripe/readers";
import { eventObject, gatheredOr, type GatherContext, type StripeEventContext } from "./context";

interface InvoicePaid {
  invoice: InvoiceFacts | null;
  facts: StripeFacts;
}

/** Parse the invoice; make the Stripe reads its payment needs (customer scan, discounts). */
async function gatherInvoicePaid(g: GatherContext): Promise<InvoicePaid> {
  const facts = new StripeFacts(g.stripe);
  const invoice = readInvoice(eventObject(g.event));
  if (invoice)
    await gatherPayment(
      g.db,
      facts,
      g.brandId,
      { kind: "invoice", key: invoice.id, customerId: invoice.customerId },
      () => invoiceRecord(g.db, facts, g.brandId, invoice),
    );
  return { invoice, facts };
}

export async function onInvoicePaid(ctx: StripeEventContext): Promise<void> {
  const { invoice, facts } = await gatheredOr(ctx, gatherInvoicePaid);
  const { trx, brandId } = ctx;
  const lockKey = invoice
    ? paymentLockKey({
        customerId: invoice.customerId,
        kind: "invoice",
        key: invoice.id,
        paymentIntentId: null,
      })
    : null;
  await lockAttribution(trx, brandId, lockKeys(lockKey));
  if (invoice)
    await applyPayment(trx, facts, brandId, await invoiceRecord(trx, facts, brandId, invoice));
  await saveLearnedDiscounts(trx, brandId, facts);
}
onInvoicePaid.gather = gatherInvoicePaid;
