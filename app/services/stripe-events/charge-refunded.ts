/**
 * `charge.refunded`: clawback from the cumulative `amount_refunded`. Parse once -> gather (is the
 * payment intent an invoice's? one Stripe look-up when unknown) -> lock the charge's customer, the
 * recorded conversion's and the payment intent (a guest charge whose conversion is not recorded
 * yet: the brand) -> settle the ledger.
 */
import type { DB } from "~/db/db.server";
import { type ChargeFacts, readCharge } from "~/stripe/readers";
import {
  conversionLockKey,
  type LockScope,
  lockAttribution,
  lockKeys,
} from "../attribution/locks.server";
import { saveLearnedDiscounts } from "../attribution/payment-records.server";
import { applyChargeRefund, locateRefund } from "../attribution/refunds.server";
import { StripeFacts } from "../attribution/stripe-facts";
import { eventObject, gatheredOr, type GatherContext, type StripeEventContext } from "./context";

interface ChargeRefunded {
  charge: ChargeFacts | null;
  facts: StripeFacts;
}

async function gatherChargeRefunded(g: GatherContext): Promise<ChargeRefunded> {
  const facts = new StripeFacts(g.stripe);
  const c = readCharge(eventObject(g.event));
  if (c?.paymentIntentId) {
    const located = await locateRefund(g.db, g.brandId, c.paymentIntentId);
    if (!located.known) await facts.invoiceForPaymentIntent(c.paymentIntentId);
  }
  return { charge: c, facts };
}

async function lockScope(trx: DB, brandId: string, c: ChargeFacts | null): Promise<LockScope> {
  if (!c?.paymentIntentId) return lockKeys();
  const located = await locateRefund(trx, brandId, c.paymentIntentId);
  const conversionKey = located.conversion ? conversionLockKey(located.conversion) : null;
  if (!c.customerId && !conversionKey) return { kind: "brand" };
  return lockKeys(
    c.customerId ? `customer:${c.customerId}` : null,
    conversionKey,
    `pi:${c.paymentIntentId}`,
  );
}

export async function onChargeRefunded(ctx: StripeEventContext): Promise<void> {
  const { charge, facts } = await gatheredOr(ctx, gatherChargeRefunded);
  const { trx, brandId } = ctx;
  await lockAttribution(trx, brandId, await lockScope(trx, brandId, charge));
  if (charge) await applyChargeRefund(trx, facts, brandId, charge);
  await saveLearnedDiscounts(trx, brandId, facts);
}
onChargeRefunded.gather = gatherChargeRefunded;
