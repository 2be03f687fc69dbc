/**
 * A Stripe customer's payments as Rekomi knows them (pure). Every decision about one payment —
 * who is bound, where the recurring window starts, whether a code is used for the first time —
 * is a function of the customer's payments up to that payment, so every arrival order of the
 * events gives the same answer. The list is completed from Stripe (invoices + Checkout Sessions of
 * the customer) when a decision needs payments Rekomi has not seen yet.
 */

/** One payment of a customer: a paid invoice or a paid one-off Checkout Session. */
export interface PaymentRecord {
  /** `in_...` (invoice) or `cs_...` (one-off Checkout Session): the conversion's Stripe key. */
  key: string;
  kind: "invoice" | "session";
  customerId: string | null;
  /** When it took effect (unix seconds): paid time, or its period start if later. Orders the payments. */
  at: number;
  /** Start of the period it pays for (unix seconds): the recurring window's clock. */
  periodStart: number;
  /** Paid, net of tax, minor units. */
  amount: number;
  currency: string;
  /** `subscription_create`, `subscription_cycle`, ... (invoices only). */
  billingReason: string | null;
  subscriptionId: string | null;
  /** The Checkout Session of this payment, when known (the first invoice of a Checkout subscription). */
  sessionId: string | null;
  paymentIntentId: string | null;
  /** Promotion codes (`promo_...`) on the payment, in order. */
  promotionCodeIds: string[];
  /** `metadata.rekomi_affiliate_coupon_id` of expanded promotion codes (fallback resolution). */
  affiliateCouponHints: string[];
  /** Click id from `client_reference_id` / `metadata.rekomi_ref`. */
  clickRef: string | null;
  /** The event for this payment was processed (it has a conversion if it deserved one). */
  processed: boolean;
}

/**
 * When a payment took effect: its paid time, or the start of the period it pays for when that is
 * later (an invoice finalised ahead of its period). Orders a customer's payments.
 */
export function effectiveAt(invoice: { paidAt: number; periodStart: number }): number {
  return Math.max(invoice.paidAt, invoice.periodStart);
}

/** Total order of payments: paid time, then key (stable for equal times). */
export function comparePayments(
  a: Pick<PaymentRecord, "at" | "key">,
  b: Pick<PaymentRecord, "at" | "key">,
): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** Two views of the same payment combined: signals are unioned, known ids kept. */
export function mergeRecord(a: PaymentRecord, b: PaymentRecord): PaymentRecord {
  return {
    key: a.key,
    kind: a.kind,
    customerId: a.customerId ?? b.customerId,
    at: a.at || b.at,
    periodStart: a.periodStart || b.periodStart,
    amount: a.amount,
    currency: a.currency,
    billingReason: a.billingReason ?? b.billingReason,
    subscriptionId: a.subscriptionId ?? b.subscriptionId,
    sessionId: a.sessionId ?? b.sessionId,
    paymentIntentId: a.paymentIntentId ?? b.paymentIntentId,
    promotionCodeIds: union(a.promotionCodeIds, b.promotionCodeIds),
    affiliateCouponHints: union(a.affiliateCouponHints, b.affiliateCouponHints),
    clickRef: a.clickRef ?? b.clickRef,
    processed: a.processed || b.processed,
  };
}

/** Merge `incoming` into `history` (by key) and return the list sorted by `comparePayments`. */
export function mergeHistory(
  history: readonly PaymentRecord[],
  incoming: readonly PaymentRecord[],
): PaymentRecord[] {
  const byKey = new Map<string, PaymentRecord>();
  for (const r of history) byKey.set(r.key, r);
  for (const r of incoming) {
    const had = byKey.get(r.key);
    byKey.set(r.key, had ? mergeRecord(had, r) : r);
  }
  return [...byKey.values()].sort(comparePayments);
}

/** Parse the stored jsonb list defensively (unknown shapes are dropped). */
export function parseHistory(value: unknown): PaymentRecord[] {
  if (!Array.isArray(value)) return [];
  const out: PaymentRecord[] = [];
  for (const v of value) {
    if (typeof v !== "object" || v === null) continue;
    const r = v as Partial<PaymentRecord>;
    if (typeof r.key !== "string" || typeof r.at !== "number" || typeof r.amount !== "number")
      continue;
    out.push({
      key: r.key,
      kind: r.kind === "session" ? "session" : "invoice",
      customerId: r.customerId ?? null,
      at: r.at,
      periodStart: typeof r.periodStart === "number" ? r.periodStart : r.at,
      amount: r.amount,
      currency: typeof r.currency === "string" ? r.currency : "usd",
      billingReason: r.billingReason ?? null,
      subscriptionId: r.subscriptionId ?? null,
      sessionId: r.sessionId ?? null,
      paymentIntentId: r.paymentIntentId ?? null,
      promotionCodeIds: Array.isArray(r.promotionCodeIds)
        ? r.promotionCodeIds.filter((x) => typeof x === "string")
        : [],
      affiliateCouponHints: Array.isArray(r.affiliateCouponHints)
        ? r.affiliateCouponHints.filter((x) => typeof x === "string")
        : [],
      clickRef: typeof r.clickRef === "string" ? r.clickRef : null,
      processed: r.processed === true,
    });
  }
  return out.sort(comparePayments);
}
