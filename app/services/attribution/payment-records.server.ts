/**
 * One Stripe payment as a `PaymentRecord` (app/domain/payment-history.ts): an invoice or a
 * one-off Checkout Session with its promotion codes resolved (expanded object, the job's memo,
 * the `stripe_discounts` cache, else one expanded fetch), and the gather phase of a payment event.
 */
import type { DB } from "~/db/db.server";
import type { PaymentRecord } from "~/domain/payment-history";
import type { DiscountRef, InvoiceFacts, SessionFacts } from "~/stripe/readers";
import { collectPayment } from "./collect.server";
import { writeLearnedDiscounts } from "./ledger-writer.server";
import { loadPaymentState, scanIsCertain } from "./payment-state.server";
import { invoiceRecordOf, sessionRecordOf } from "./record-of";
import type { StripeFacts } from "./stripe-facts";

/**
 * Promotion code ids of discounts: from the expanded object, what this job already saw expanded
 * (e.g. in the customer scan), the cache, else one expanded fetch.
 */
export async function promotionCodesOf(
  q: DB,
  facts: StripeFacts,
  brandId: string,
  discounts: readonly DiscountRef[],
  fetchExpanded: () => Promise<DiscountRef[]>,
): Promise<{ promos: string[]; hints: string[] }> {
  const promos: string[] = [];
  const hints: string[] = [];
  const unknown: string[] = [];
  const known = new Map<string, string | null>();
  for (const given of discounts) {
    const d =
      given.promotionCodeId !== undefined
        ? given
        : (facts.expandedDiscounts.get(given.discountId) ?? given);
    if (d.promotionCodeId !== undefined) known.set(d.discountId, d.promotionCodeId);
    else unknown.push(d.discountId);
    if (d.affiliateCouponIdHint && !hints.includes(d.affiliateCouponIdHint))
      hints.push(d.affiliateCouponIdHint);
  }
  if (unknown.length > 0) {
    const cached = await q
      .selectFrom("stripe_discounts")
      .select(["discount_id", "promotion_code_id"])
      .where("brand_id", "=", brandId)
      .where("discount_id", "in", unknown)
      .execute();
    for (const row of cached) known.set(row.discount_id, row.promotion_code_id);
  }
  if (discounts.some((d) => !known.has(d.discountId))) {
    for (const d of await fetchExpanded()) {
      if (d.promotionCodeId !== undefined) known.set(d.discountId, d.promotionCodeId);
      if (d.affiliateCouponIdHint && !hints.includes(d.affiliateCouponIdHint))
        hints.push(d.affiliateCouponIdHint);
    }
  }
  for (const d of discounts) {
    const p = known.get(d.discountId);
    if (p && !promos.includes(p)) promos.push(p);
  }
  return { promos, hints };
}

export async function invoiceRecord(
  q: DB,
  facts: StripeFacts,
  brandId: string,
  f: InvoiceFacts,
): Promise<PaymentRecord> {
  const gathered = facts.records.get(f.id);
  if (gathered) return gathered;
  const { promos, hints } = await promotionCodesOf(q, facts, brandId, f.discounts, () =>
    facts.invoiceDiscounts(f.id),
  );
  const record = invoiceRecordOf(
    f,
    { promotionCodeIds: promos, affiliateCouponHints: hints },
    true,
  );

  facts.records.set(record.key, record);
  return record;
}

export async function sessionRecord(facts: StripeFacts, s: SessionFacts): Promise<PaymentRecord> {
  const gathered = facts.records.get(s.id);
  if (gathered) return gathered;
  const promos = s.breakdownKnown ? s.promotionCodeIds : await facts.sessionPromotionCodes(s.id);
  const record = sessionRecordOf(s, [...new Set([...promos, ...s.promotionCodeIds])], true);

  facts.records.set(record.key, record);
  return record;
}

/**
 * Gather for one payment. When the customer is new to Rekomi (or was never listed), the customer
 * scan is certain: it runs first and is all the Stripe reading the payment needs (it also answers
 * for this payment's discounts / Checkout breakdown). Otherwise the payment is collected as the
 * apply phase will, to learn whether a scan is needed.
 */
export async function gatherPayment(
  db: DB,
  facts: StripeFacts,
  brandId: string,
  head: Pick<PaymentRecord, "key" | "kind" | "customerId">,
  record: () => Promise<PaymentRecord>,
): Promise<void> {
  const state = await loadPaymentState(db, brandId, head);
  if (!state.conversionId && scanIsCertain(state, head.customerId)) {
    await facts.scanCustomer(head.customerId!);
    await record();
    return;
  }
  const p = await record();
  if (p.customerId && !state.conversionId) await collectPayment(db, facts, brandId, p, state);
}

/**
 * Persist the discount -> promotion code pairs learned from Stripe (an immutable cache, so it may
 * be written outside the event's transaction too); each pair is written once per job.
 */
export async function saveLearnedDiscounts(
  q: DB,
  brandId: string,
  facts: StripeFacts,
): Promise<void> {
  const unsaved = facts.unsavedDiscounts();
  if (unsaved.length === 0) return;
  await writeLearnedDiscounts(q, brandId, unsaved);
  for (const [id] of unsaved) facts.savedDiscounts.add(id);
}
