/**
 * Apply one payment (paid invoice or one-off Checkout Session) inside the event's transaction:
 * read its state and collect its inputs, let the pure payment plan (app/domain/payment-plan.ts)
 * decide, write the plan with the ledger writer, emit the webhooks, then credit the payments the
 * new binding reaches ("fix-ups"). The caller holds the payment's lock (`lockAttribution`, key
 * `paymentLockKey(payment)`, locks.server.ts).
 */
import { randomUUID } from "node:crypto";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import { mergeHistory, parseHistory, type PaymentRecord } from "~/domain/payment-history";
import {
  bindPayment,
  decidePayment,
  needsCouponCode,
  needsExistingReferral,
  type PaymentFacts,
  type PaymentPlan,
  planPayment,
} from "~/domain/payment-plan";
import { collectPayment, paymentSignals } from "./collect.server";
import { emitSettlement } from "./emit";
import { writeCustomerPayments, writePayment } from "./ledger-writer.server";
import { conversionByKey, loadPaymentState, type PaymentState } from "./payment-state.server";
import { linkPaymentIntent } from "./refunds.server";
import { commissionContext, existingReferral } from "./signals";
import type { StripeFacts } from "./stripe-facts";

export interface PaymentOutcome {
  conversion: ConversionRow | null;
  created: boolean;
}

/**
 * Record the conversion of one payment (idempotent: an existing conversion is returned as is),
 * then the conversions of earlier-processed payments its new binding credits.
 */
export async function applyPayment(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
): Promise<PaymentOutcome> {
  const { outcome, plan } = await applyOne(trx, facts, brandId, payment);
  if (!outcome.created) return outcome;
  for (const r of plan?.reconsider ?? []) {
    if (await conversionByKey(trx, brandId, r)) continue;
    await applyOne(trx, facts, brandId, r);
  }
  return outcome;
}

/** One payment, without fix-ups. */
async function applyOne(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
): Promise<{ outcome: PaymentOutcome; plan: PaymentPlan | null }> {
  const state = await loadPaymentState(trx, brandId, payment);
  if (state.conversionId)
    return { outcome: await alreadyRecorded(trx, brandId, payment), plan: null };
  const plan = await planFor(trx, facts, brandId, payment, state);
  const discounts = facts.unsavedDiscounts();
  const inserted = await writePayment(trx, {
    brandId,
    referral: plan.referral,
    referralAnchor: plan.referralAnchor,
    conversion: plan.conversion,
    entries: plan.settlement?.result.entries ?? [],
    customer: plan.customer,
    discounts,
    counters: plan.counters,
  });
  for (const [id] of discounts) facts.savedDiscounts.add(id);
  if (!plan.conversion) return { outcome: { conversion: null, created: false }, plan };
  if (!inserted) {
    const existing = (await conversionByKey(trx, brandId, payment)) ?? null;
    return { outcome: { conversion: existing, created: false }, plan };
  }
  if (state.pendingRefund) await dropPendingRefund(trx, brandId, inserted);
  await emitSettlement(trx, inserted, plan.settlement!.result, {
    created: true,
    previousRefunded: 0,
  });
  return { outcome: { conversion: inserted, created: true }, plan };
}

/** Read, decide, read, plan: the pure steps of app/domain/payment-plan.ts and the reads between. */
async function planFor(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
  state: PaymentState,
): Promise<PaymentPlan> {
  const c = await collectPayment(trx, facts, brandId, payment, state);
  const f: PaymentFacts = {
    brandId,
    payment: c.payment,
    history: c.history,
    signals: paymentSignals(c),
    referral: c.referral,
    referralAffiliateStatus: c.referralAffiliateStatus,
    paymentIntentId: state.paymentIntentId,
    pendingRefund: state.pendingRefund,
    customer: { clickRef: c.resolver.customerClickRef, scannedThrough: c.scannedThrough },
    newReferral: { id: randomUUID(), now: new Date() },
  };
  const binding = bindPayment(f);
  const existing = needsExistingReferral(f, binding)
    ? await existingReferral(trx, binding.referral, binding.affiliateStatus)
    : null;
  const decision = decidePayment(f, binding, existing);
  const winner = decision.winner;
  const noConversion = !winner && !decision.countsRedemptionOn;
  const commission =
    winner && !noConversion
      ? await commissionContext(trx, brandId, winner.campaignId, winner.affiliateId)
      : null;
  const codeId = noConversion ? null : needsCouponCode(f, decision);
  const couponCode = codeId ? await codeText(trx, codeId) : null;
  return planPayment(f, binding, decision, { commission, couponCode });
}

async function codeText(trx: DB, couponId: string): Promise<string | null> {
  const row = await trx
    .selectFrom("affiliate_coupons")
    .select("code")
    .where("id", "=", couponId)
    .executeTakeFirst();
  return row?.code ?? null;
}

async function dropPendingRefund(trx: DB, brandId: string, conversion: ConversionRow) {
  if (!conversion.stripe_payment_intent_id) return;
  await trx
    .deleteFrom("pending_refunds")
    .where("brand_id", "=", brandId)
    .where("payment_intent_id", "=", conversion.stripe_payment_intent_id)
    .execute();
}

/** A payment already recorded: mark it processed in the customer's history, link its intent. */
async function alreadyRecorded(
  trx: DB,
  brandId: string,
  payment: PaymentRecord,
): Promise<PaymentOutcome> {
  const existing = (await conversionByKey(trx, brandId, payment))!;
  if (payment.customerId) {
    const row = await trx
      .selectFrom("stripe_customers")
      .select(["payments"])
      .where("brand_id", "=", brandId)
      .where("stripe_customer_id", "=", payment.customerId)
      .executeTakeFirst();
    const merged = mergeHistory(row ? parseHistory(row.payments) : [], [
      { ...payment, processed: true },
    ]);
    await writeCustomerPayments(trx, brandId, payment.customerId, merged);
  }
  if (!existing.stripe_payment_intent_id && payment.paymentIntentId)
    await linkPaymentIntent(trx, brandId, existing, payment.paymentIntentId);
  return { conversion: existing, created: false };
}
