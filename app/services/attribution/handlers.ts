/**
 * The attribution handlers of `stripe__process_event`. Each has a `gather` phase (run by the
 * dispatcher BEFORE its transaction, no locks held: it makes the Stripe calls, remembered in a
 * `StripeFacts`) and an apply phase (inside the transaction that marks the event processed:
 * database writes only, serialised per brand).
 */
import type Stripe from "stripe";
import type { DB } from "~/db/db.server";
import type { GatherContext, StripeEventContext, StripeEventHandler } from "~/services/stripe-events.server";
import {
  type DiscountRef,
  type InvoiceFacts,
  readCharge,
  readCheckoutSession,
  readInvoice,
  readInvoicePayment,
  readSubscription,
  type SessionFacts,
} from "~/stripe/readers";
import {
  applyChargeRefund,
  applyInvoicePayment,
  applyPayment,
  collectPayment,
  locateRefund,
  lockBrand,
  saveLearnedDiscounts,
} from "./engine";
import { effectiveAt, mergeHistory, parseHistory, type PaymentRecord } from "./history";
import { StripeFacts } from "./stripe-facts";

function factsOf(ctx: StripeEventContext): StripeFacts {
  return ctx.gathered instanceof StripeFacts ? ctx.gathered : new StripeFacts(ctx.stripe);
}

const objectOf = (event: Stripe.Event): unknown => (event.data as { object: unknown }).object;

/** Promotion code ids of discounts: from the expanded object, the cache, else one expanded fetch. */
async function promotionCodesOf(
  q: DB,
  brandId: string,
  discounts: readonly DiscountRef[],
  fetchExpanded: () => Promise<DiscountRef[]>,
): Promise<{ promos: string[]; hints: string[] }> {
  const promos: string[] = [];
  const hints: string[] = [];
  const unknown: string[] = [];
  const known = new Map<string, string | null>();
  for (const d of discounts) {
    if (d.promotionCodeId !== undefined) known.set(d.discountId, d.promotionCodeId);
    else unknown.push(d.discountId);
    if (d.affiliateCouponIdHint) hints.push(d.affiliateCouponIdHint);
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
      if (d.affiliateCouponIdHint && !hints.includes(d.affiliateCouponIdHint)) hints.push(d.affiliateCouponIdHint);
    }
  }
  for (const d of discounts) {
    const p = known.get(d.discountId);
    if (p && !promos.includes(p)) promos.push(p);
  }
  return { promos, hints };
}

async function invoiceRecord(q: DB, facts: StripeFacts, brandId: string, f: InvoiceFacts): Promise<PaymentRecord> {
  const { promos, hints } = await promotionCodesOf(q, brandId, f.discounts, () => facts.invoiceDiscounts(f.id));
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
    promotionCodeIds: promos,
    affiliateCouponHints: hints,
    clickRef: f.clickRef,
    processed: true,
  };
}

async function sessionRecord(facts: StripeFacts, s: SessionFacts): Promise<PaymentRecord> {
  const promos = s.breakdownKnown ? s.promotionCodeIds : await facts.sessionPromotionCodes(s.id);
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
    promotionCodeIds: [...new Set([...promos, ...s.promotionCodeIds])],
    affiliateCouponHints: [],
    clickRef: s.clickRef,
    processed: true,
  };
}

async function alreadyRecorded(q: DB, brandId: string, p: PaymentRecord): Promise<boolean> {
  const row = await q
    .selectFrom("conversions")
    .select("id")
    .where("brand_id", "=", brandId)
    .where(p.kind === "invoice" ? "stripe_invoice_id" : "stripe_checkout_session_id", "=", p.key)
    .executeTakeFirst();
  return row !== undefined;
}

/** Make a handler out of a gather phase and an apply phase sharing one `StripeFacts`. */
function handler(
  gather: (g: GatherContext, facts: StripeFacts) => Promise<void>,
  apply: (ctx: StripeEventContext, facts: StripeFacts) => Promise<void>,
): StripeEventHandler {
  const run: StripeEventHandler = async (ctx) => {
    const facts = factsOf(ctx);
    await lockBrand(ctx.trx, ctx.brandId);
    await apply(ctx, facts);
    await saveLearnedDiscounts(ctx.trx, ctx.brandId, facts);
  };
  run.gather = async (g) => {
    const facts = new StripeFacts(g.stripe);
    await gather(g, facts);
    return facts;
  };
  return run;
}

// ---------------------------------------------------------------------------------------------

/** `invoice.paid`: one conversion per invoice (renewals included; $0 invoices with a code too). */
export const onInvoicePaid = handler(
  async ({ db, brandId, event }, facts) => {
    const f = readInvoice(objectOf(event));
    if (!f) return;
    const p = await invoiceRecord(db, facts, brandId, f);
    if (p.customerId && !(await alreadyRecorded(db, brandId, p))) await collectPayment(db, facts, brandId, p);
  },
  async ({ trx, brandId, event }, facts) => {
    const f = readInvoice(objectOf(event));
    if (!f) return;
    await applyPayment(trx, facts, brandId, await invoiceRecord(trx, facts, brandId, f));
  },
);

/** `invoice_payment.paid`: remember invoice <-> payment intent (refunds find their conversion). */
export const onInvoicePaymentPaid = handler(
  async () => {},
  async ({ trx, brandId, event }) => {
    const f = readInvoicePayment(objectOf(event));
    if (!f || !f.paymentIntentId) return;
    await applyInvoicePayment(trx, brandId, f.invoiceId, f.paymentIntentId);
  },
);

/**
 * Subscription -> its signals (codes, `metadata.rekomi_ref`), merged from
 * `customer.subscription.created` and the subscription's Checkout Session. A first invoice that
 * was processed before these signals were known is reconsidered.
 */
async function rememberSubscription(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  input: { subscriptionId: string; customerId: string; promos: string[]; clickRef: string | null; sessionId?: string | null; invoiceId?: string | null },
): Promise<void> {
  const existing = await trx
    .selectFrom("stripe_subscriptions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("subscription_id", "=", input.subscriptionId)
    .executeTakeFirst();
  const promos = [...new Set([...((existing?.promotion_code_ids as string[] | undefined) ?? []), ...input.promos])];
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
      oc.columns(["brand_id", "subscription_id"]).doUpdateSet({ promotion_code_ids: JSON.stringify(promos), click_ref: clickRef }),
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
    (r) => (input.invoiceId && r.key === input.invoiceId) || (r.subscriptionId === input.subscriptionId && r.billingReason === "subscription_create"),
  );
  if (!first) return;
  const merged: PaymentRecord = {
    ...first,
    sessionId: first.sessionId ?? input.sessionId ?? null,
    clickRef: first.clickRef ?? input.clickRef,
    promotionCodeIds: [...new Set([...first.promotionCodeIds, ...input.promos])],
  };
  await trx
    .updateTable("stripe_customers")
    .set({ payments: JSON.stringify(mergeHistory(history, [merged])), updated_at: new Date() })
    .where("brand_id", "=", brandId)
    .where("stripe_customer_id", "=", input.customerId)
    .execute();
  if (merged.processed && !(await alreadyRecorded(trx, brandId, merged))) {
    await applyPayment(trx, facts, brandId, { ...merged, processed: true });
  }
}

export const onSubscriptionCreated = handler(
  async ({ db, brandId, event }, facts) => {
    const s = readSubscription(objectOf(event));
    if (!s) return;
    await promotionCodesOf(db, brandId, s.discounts, () => facts.subscriptionDiscounts(s.id));
  },
  async ({ trx, brandId, event }, facts) => {
    const s = readSubscription(objectOf(event));
    if (!s || !s.customerId) return;
    const { promos } = await promotionCodesOf(trx, brandId, s.discounts, () => facts.subscriptionDiscounts(s.id));
    await rememberSubscription(trx, facts, brandId, {
      subscriptionId: s.id,
      customerId: s.customerId,
      promos,
      clickRef: s.clickRef,
    });
  },
);

/**
 * `checkout.session.completed`: a paid one-off (payment mode) session is a conversion; a
 * subscription-mode session carries the purchase's click id for its subscription's first invoice.
 */
export const onCheckoutSessionCompleted = handler(
  async ({ db, brandId, event }, facts) => {
    const s = readCheckoutSession(objectOf(event));
    if (!s || s.mode !== "payment" || !s.paid) return;
    const p = await sessionRecord(facts, s);
    if (!(await alreadyRecorded(db, brandId, p))) await collectPayment(db, facts, brandId, p);
  },
  async ({ trx, brandId, event }, facts) => {
    const s = readCheckoutSession(objectOf(event));
    if (!s || !s.paid) return;
    if (s.mode === "payment") {
      await applyPayment(trx, facts, brandId, await sessionRecord(facts, s));
    } else if (s.mode === "subscription" && s.subscriptionId && s.customerId) {
      await rememberSubscription(trx, facts, brandId, {
        subscriptionId: s.subscriptionId,
        customerId: s.customerId,
        promos: s.promotionCodeIds,
        clickRef: s.clickRef,
        sessionId: s.id,
        invoiceId: s.invoiceId,
      });
    }
  },
);

/** `charge.refunded`: clawback from the cumulative `amount_refunded`. */
export const onChargeRefunded = handler(
  async ({ db, brandId, event }, facts) => {
    const c = readCharge(objectOf(event));
    if (!c?.paymentIntentId) return;
    const located = await locateRefund(db, brandId, c.paymentIntentId);
    if (!located.known) await facts.invoiceForPaymentIntent(c.paymentIntentId);
  },
  async ({ trx, brandId, event }, facts) => {
    const c = readCharge(objectOf(event));
    if (!c) return;
    await applyChargeRefund(trx, facts, brandId, c);
  },
);

export const attributionHandlers = {
  "invoice.paid": onInvoicePaid,
  "invoice_payment.paid": onInvoicePaymentPaid,
  "customer.subscription.created": onSubscriptionCreated,
  "checkout.session.completed": onCheckoutSessionCompleted,
  "charge.refunded": onChargeRefunded,
} as const;
