/**
 * The attribution handlers of `stripe__process_event`. Each has a `gather` phase (run by the
 * dispatcher BEFORE its transaction, no locks held: it makes the Stripe calls, remembered in a
 * `StripeFacts`) and an apply phase (inside the transaction that marks the event processed:
 * database writes only, serialised per customer: see `lockAttribution` in engine.ts).
 */
import type Stripe from "stripe";
import type { DB } from "~/db/db.server";
import type {
  GatherContext,
  StripeEventContext,
  StripeEventHandler,
} from "~/services/attribution/stripe-events.server";
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
  conversionLockKey,
  loadPaymentState,
  locateRefund,
  type LockScope,
  lockAttribution,
  paymentLockKey,
  saveLearnedDiscounts,
  scanIsCertain,
} from "./engine";
import { effectiveAt, mergeHistory, parseHistory, type PaymentRecord } from "./history";
import { StripeFacts } from "./stripe-facts";

function factsOf(ctx: StripeEventContext): StripeFacts {
  return ctx.gathered instanceof StripeFacts ? ctx.gathered : new StripeFacts(ctx.stripe);
}

const objectOf = (event: Stripe.Event): unknown => (event.data as { object: unknown }).object;

/**
 * Promotion code ids of discounts: from the expanded object, what this job already saw expanded
 * (e.g. in the customer scan), the cache, else one expanded fetch.
 */
async function promotionCodesOf(
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

async function invoiceRecord(
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
  const record: PaymentRecord = {
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
  facts.records.set(record.key, record);
  return record;
}

async function sessionRecord(facts: StripeFacts, s: SessionFacts): Promise<PaymentRecord> {
  const gathered = facts.records.get(s.id);
  if (gathered) return gathered;
  const promos = s.breakdownKnown ? s.promotionCodeIds : await facts.sessionPromotionCodes(s.id);
  const record: PaymentRecord = {
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
  facts.records.set(record.key, record);
  return record;
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

/**
 * Make a handler out of a gather phase, the lock scope of its writes and an apply phase, sharing
 * one `StripeFacts`. The gather phase runs with no transaction and no lock. The apply phase runs
 * under the scope's locks (`lockAttribution`: per customer, see engine.ts); the discount ->
 * promotion code pairs learned from Stripe are cached with its writes.
 */
function handler(
  gather: (g: GatherContext, facts: StripeFacts) => Promise<void>,
  scope: (ctx: StripeEventContext, facts: StripeFacts) => Promise<LockScope>,
  apply: (ctx: StripeEventContext, facts: StripeFacts) => Promise<void>,
): StripeEventHandler {
  const run: StripeEventHandler = async (ctx) => {
    const facts = factsOf(ctx);
    await lockAttribution(ctx.trx, ctx.brandId, await scope(ctx, facts));
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

const keys = (...list: (string | null | undefined)[]): LockScope => ({
  kind: "keys",
  keys: list.filter((k): k is string => !!k),
});

/**
 * Gather for one payment. When the customer is new to Rekomi (or was never listed), the customer
 * scan is certain: it runs first and is all the Stripe reading the payment needs (it also answers
 * for this payment's discounts / Checkout breakdown). Otherwise the payment is collected as the
 * apply phase will, to learn whether a scan is needed.
 */
async function gatherPayment(
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

// ---------------------------------------------------------------------------------------------

/** `invoice.paid`: one conversion per invoice (renewals included; $0 invoices with a code too). */
export const onInvoicePaid = handler(
  async ({ db, brandId, event }, facts) => {
    const f = readInvoice(objectOf(event));
    if (!f) return;
    await gatherPayment(
      db,
      facts,
      brandId,
      { kind: "invoice", key: f.id, customerId: f.customerId },
      () => invoiceRecord(db, facts, brandId, f),
    );
  },
  async ({ event }) => {
    const f = readInvoice(objectOf(event));
    return f
      ? keys(
          paymentLockKey({
            customerId: f.customerId,
            kind: "invoice",
            key: f.id,
            paymentIntentId: null,
          }),
        )
      : keys();
  },
  async ({ trx, brandId, event }, facts) => {
    const f = readInvoice(objectOf(event));
    if (!f) return;
    await applyPayment(trx, facts, brandId, await invoiceRecord(trx, facts, brandId, f));
  },
);

/**
 * `invoice_payment.paid`: remember invoice <-> payment intent (refunds find their conversion). The
 * payload names no customer: it is the recorded conversion's; before the invoice is recorded, the
 * brand is locked exclusively (the conversion being recorded concurrently must see the link).
 */
export const onInvoicePaymentPaid = handler(
  async () => {},
  async ({ trx, brandId, event }) => {
    const f = readInvoicePayment(objectOf(event));
    if (!f || !f.paymentIntentId) return keys();
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
    return key ? keys(key, `pi:${f.paymentIntentId}`) : { kind: "brand" };
  },
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
    await promotionCodesOf(db, facts, brandId, s.discounts, () =>
      facts.subscriptionDiscounts(s.id),
    );
  },
  async ({ event }) => {
    const s = readSubscription(objectOf(event));
    return keys(s?.customerId ? `customer:${s.customerId}` : null);
  },
  async ({ trx, brandId, event }, facts) => {
    const s = readSubscription(objectOf(event));
    if (!s || !s.customerId) return;
    const { promos } = await promotionCodesOf(trx, facts, brandId, s.discounts, () =>
      facts.subscriptionDiscounts(s.id),
    );
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
    await gatherPayment(
      db,
      facts,
      brandId,
      { kind: "session", key: s.id, customerId: s.customerId },
      () => sessionRecord(facts, s),
    );
  },
  async ({ event }) => {
    const s = readCheckoutSession(objectOf(event));
    if (!s || !s.paid) return keys();
    if (s.mode === "payment") {
      const key = paymentLockKey({
        customerId: s.customerId,
        kind: "session",
        key: s.id,
        paymentIntentId: s.paymentIntentId,
      });
      return keys(key, s.paymentIntentId ? `pi:${s.paymentIntentId}` : null);
    }
    return keys(s.customerId ? `customer:${s.customerId}` : null);
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

/**
 * `charge.refunded`: clawback from the cumulative `amount_refunded`. Locks the charge's customer
 * (the customer of the payment it refunds), the recorded conversion's and the payment intent; a
 * guest charge whose conversion is not recorded yet locks the brand.
 */
export const onChargeRefunded = handler(
  async ({ db, brandId, event }, facts) => {
    const c = readCharge(objectOf(event));
    if (!c?.paymentIntentId) return;
    const located = await locateRefund(db, brandId, c.paymentIntentId);
    if (!located.known) await facts.invoiceForPaymentIntent(c.paymentIntentId);
  },
  async ({ trx, brandId, event }) => {
    const c = readCharge(objectOf(event));
    if (!c?.paymentIntentId) return keys();
    const located = await locateRefund(trx, brandId, c.paymentIntentId);
    const conversionKey = located.conversion ? conversionLockKey(located.conversion) : null;
    if (!c.customerId && !conversionKey) return { kind: "brand" };
    return keys(
      c.customerId ? `customer:${c.customerId}` : null,
      conversionKey,
      `pi:${c.paymentIntentId}`,
    );
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
