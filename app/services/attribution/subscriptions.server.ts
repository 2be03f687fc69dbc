/**
 * A subscription's signals (codes, `metadata.rekomi_ref`), merged from
 * `customer.subscription.created` and the subscription's Checkout Session, and the
 * reconsideration of its first invoice when that was processed before the signals were known.
 */
import type { DB } from "~/db/db.server";
import { mergeHistory, parseHistory, type PaymentRecord } from "~/domain/payment-history";
import { applyPayment } from "./apply-payment.server";
import { writeCustomerPayments } from "./ledger-writer.server";
import { conversionByKey } from "./payment-state.server";
import type { StripeFacts } from "./stripe-facts";

/**
 * Subscription -> its signals (codes, `metadata.rekomi_ref`), merged from
 * `customer.subscription.created` and the subscription's Checkout Session. A first invoice that
 * was processed before these signals were known is reconsidered.
 */
export async function rememberSubscription(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  input: {
    subscriptionId: string;
    customerId: string;
    promos: string[];
    clickRef: string | null;
    sessionId?: string | null;
    invoiceId?: string | null;
  },
): Promise<void> {
  const existing = await trx
    .selectFrom("stripe_subscriptions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("subscription_id", "=", input.subscriptionId)
    .executeTakeFirst();
  const promos = [
    ...new Set([
      ...((existing?.promotion_code_ids as string[] | undefined) ?? []),
      ...input.promos,
    ]),
  ];
  const clickRef = existing?.click_ref ?? input.clickRef;
  await trx
    .insertInto("stripe_subscriptions")
    .values({
      brand_id: brandId,
      subscription_id: input.subscriptionId,
      stripe_customer_id: input.customerId,
      promotion_code_ids: JSON.stringify(promos),
      click_ref: clickRef,
    })
    .onConflict((oc) =>
      oc
        .columns(["brand_id", "subscription_id"])
        .doUpdateSet({ promotion_code_ids: JSON.stringify(promos), click_ref: clickRef }),
    )
    .execute();

  // Merge into the customer's known payments and reconsider a first invoice already processed.
  const row = await trx
    .selectFrom("stripe_customers")
    .select("payments")
    .where("brand_id", "=", brandId)
    .where("stripe_customer_id", "=", input.customerId)
    .executeTakeFirst();
  if (!row) return;
  const history = parseHistory(row.payments);
  const first = history.find(
    (r) =>
      (input.invoiceId && r.key === input.invoiceId) ||
      (r.subscriptionId === input.subscriptionId && r.billingReason === "subscription_create"),
  );
  if (!first) return;
  const merged: PaymentRecord = {
    ...first,
    sessionId: first.sessionId ?? input.sessionId ?? null,
    clickRef: first.clickRef ?? input.clickRef,
    promotionCodeIds: [...new Set([...first.promotionCodeIds, ...input.promos])],
  };
  await writeCustomerPayments(trx, brandId, input.customerId, mergeHistory(history, [merged]));
  if (merged.processed && !(await conversionByKey(trx, brandId, merged))) {
    await applyPayment(trx, facts, brandId, { ...merged, processed: true });
  }
}
