/**
 * Refunds and payment intents: `charge.refunded` sets a conversion's refunded amount from the
 * cumulative figure and posts clawbacks (settlement: app/domain/settlement.ts, written by the
 * ledger writer); a refund whose conversion is not recorded yet is kept in `pending_refunds` and
 * applied when the conversion lands. `invoice_payment.paid` links invoice <-> payment intent.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import {
  parseTerms,
  planSettlement,
  redemptionRelease,
  type RefundFigure,
} from "~/domain/settlement";
import type { ChargeFacts } from "~/stripe/readers";
import { emitSettlement } from "./emit";
import { writeConversionPaymentIntent, writeSettlement } from "./ledger-writer.server";
import { conversionByKey } from "./payment-state.server";
import type { StripeFacts } from "./stripe-facts";

/**
 * Bring a recorded conversion's ledger, refunded amount, status and counter to what the refund
 * figure implies, and emit `conversion.refunded` / `conversion.updated` accordingly.
 */
async function settleLedger(
  trx: DB,
  conversion: ConversionRow,
  refund: RefundFigure,
): Promise<ConversionRow> {
  const ledger = await trx
    .selectFrom("commission_entries")
    .select(["kind", "amount"])
    .where("conversion_id", "=", conversion.id)
    .execute();
  const previous = Number(conversion.refunded_amount);
  const settlement = planSettlement(
    {
      amount: Number(conversion.amount),
      terms: parseTerms(conversion.terms),
      refundedAmount: previous,
      redemptionCounted: conversion.redemption_counted,
    },
    refund,
    ledger.map((e) => ({ kind: e.kind, amount: Number(e.amount) })),
  );
  const release = redemptionRelease(
    {
      affiliateCouponId: conversion.affiliate_coupon_id,
      redemptionCounted: conversion.redemption_counted,
    },
    settlement.result,
  );
  const updated = await writeSettlement(trx, conversion, settlement, refund.chargeId, release);
  await emitSettlement(trx, updated, settlement.result, {
    created: false,
    previousRefunded: previous,
  });
  return updated;
}

async function dropPendingRefund(trx: DB, brandId: string, paymentIntentId: string) {
  await trx
    .deleteFrom("pending_refunds")
    .where("brand_id", "=", brandId)
    .where("payment_intent_id", "=", paymentIntentId)
    .execute();
}

/** Remember which invoice a payment intent paid; apply a refund that was waiting for it. */
export async function linkPaymentIntent(
  trx: DB,
  brandId: string,
  conversion: ConversionRow,
  paymentIntentId: string,
) {
  const updated = await writeConversionPaymentIntent(trx, conversion.id, paymentIntentId, {
    touch: true,
  });
  if (!updated) return;
  const pending = await trx
    .selectFrom("pending_refunds")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("payment_intent_id", "=", paymentIntentId)
    .executeTakeFirst();
  if (!pending) return;
  await settleLedger(trx, updated, {
    chargeId: pending.charge_id,
    chargeAmount: Number(pending.charge_amount),
    amountRefunded: Number(pending.amount_refunded),
  });
  await dropPendingRefund(trx, brandId, paymentIntentId);
}

/** `invoice_payment.paid`: payment intent -> invoice (cached), linked to the conversion if any. */
export async function applyInvoicePayment(
  trx: DB,
  brandId: string,
  invoiceId: string,
  paymentIntentId: string,
) {
  await trx
    .insertInto("stripe_payment_intents")
    .values({ brand_id: brandId, payment_intent_id: paymentIntentId, invoice_id: invoiceId })
    .onConflict((oc) =>
      oc.columns(["brand_id", "payment_intent_id"]).doUpdateSet({ invoice_id: invoiceId }),
    )
    .execute();
  const conversion = await conversionByKey(trx, brandId, { kind: "invoice", key: invoiceId });
  if (conversion && !conversion.stripe_payment_intent_id)
    await linkPaymentIntent(trx, brandId, conversion, paymentIntentId);
}

/** Where a refund goes: the conversion, or what must be looked up first. */
export async function locateRefund(
  q: DB,
  brandId: string,
  paymentIntentId: string,
): Promise<{ conversion: ConversionRow | null; invoiceId: string | null; known: boolean }> {
  const byPi = await q
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("stripe_payment_intent_id", "=", paymentIntentId)
    .executeTakeFirst();
  if (byPi) return { conversion: byPi, invoiceId: byPi.stripe_invoice_id, known: true };
  const link = await q
    .selectFrom("stripe_payment_intents")
    .select("invoice_id")
    .where("brand_id", "=", brandId)
    .where("payment_intent_id", "=", paymentIntentId)
    .executeTakeFirst();
  if (!link) return { conversion: null, invoiceId: null, known: false };
  const conversion = link.invoice_id
    ? await conversionByKey(q, brandId, { kind: "invoice", key: link.invoice_id })
    : undefined;
  return { conversion: conversion ?? null, invoiceId: link.invoice_id, known: true };
}

/** Keep a refund whose conversion is not recorded yet (the largest figures win). */
async function keepPendingRefund(trx: DB, brandId: string, pi: string, charge: ChargeFacts) {
  await trx
    .insertInto("pending_refunds")
    .values({
      brand_id: brandId,
      payment_intent_id: pi,
      charge_id: charge.id,
      charge_amount: charge.amount,
      amount_refunded: charge.amountRefunded,
      currency: charge.currency,
    })
    .onConflict((oc) =>
      oc.columns(["brand_id", "payment_intent_id"]).doUpdateSet({
        amount_refunded: sql<number>`greatest(pending_refunds.amount_refunded, excluded.amount_refunded)`,
        charge_amount: sql<number>`greatest(pending_refunds.charge_amount, excluded.charge_amount)`,
        updated_at: new Date(),
      }),
    )
    .execute();
}

/**
 * `charge.refunded`: set the refunded amount from the cumulative figure and post clawbacks; a
 * refund whose conversion is not recorded yet is kept (largest figure) and applied when it lands.
 */
export async function applyChargeRefund(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  charge: ChargeFacts,
): Promise<void> {
  const pi = charge.paymentIntentId;
  if (!pi) return;
  let located = await locateRefund(trx, brandId, pi);
  if (!located.known) {
    // One look-up: is it an invoice's payment? (One-off Checkout payments answer null.)
    const invoiceId = await facts.invoiceForPaymentIntent(pi);
    await trx
      .insertInto("stripe_payment_intents")
      .values({ brand_id: brandId, payment_intent_id: pi, invoice_id: invoiceId })
      .onConflict((oc) => oc.columns(["brand_id", "payment_intent_id"]).doNothing())
      .execute();
    located = await locateRefund(trx, brandId, pi);
  }
  let conversion = located.conversion;
  if (conversion && !conversion.stripe_payment_intent_id) {
    await writeConversionPaymentIntent(trx, conversion.id, pi, { touch: false });
    conversion = { ...conversion, stripe_payment_intent_id: pi };
  }
  if (!conversion) return keepPendingRefund(trx, brandId, pi, charge);
  await settleLedger(trx, conversion, {
    chargeId: charge.id,
    chargeAmount: charge.amount,
    amountRefunded: charge.amountRefunded,
  });
}
