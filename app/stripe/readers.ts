/**
 * Pure readers: where each fact Rekomi needs sits in a Stripe payload of the pinned API version
 * (`2026-10-28.endive`, see /work/shared/STRIPE.md). They accept webhook payloads (never expanded)
 * and API responses (possibly expanded) alike, and never throw on a missing field: they answer
 * null / [] instead. No I/O.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const int = (v: unknown): number | null =>
  typeof v === "number" && Number.isSafeInteger(v) ? v : null;

/** An id field that may be a bare id or an expanded object. */
export function idOf(v: unknown): string | null {
  if (typeof v === "string") return v || null;
  if (isObj(v)) return str(v.id);
  return null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A Rekomi click id as carried in `client_reference_id`, `metadata.rekomi_ref` or `rk_ref`: a uuid
 * (lower-cased). Anything else (another tool's reference) is not a Rekomi signal.
 */
export function normaliseClickRef(v: unknown): string | null {
  const s = str(typeof v === "string" ? v.trim() : v);
  return s && UUID_RE.test(s) ? s.toLowerCase() : null;
}

/** `metadata.rekomi_ref` (or `rk_ref`) of a customer, subscription, session or invoice. */
export function metadataClickRef(metadata: unknown): string | null {
  if (!isObj(metadata)) return null;
  return normaliseClickRef(metadata.rekomi_ref) ?? normaliseClickRef(metadata.rk_ref);
}

// ---------------------------------------------------------------------------------------------
// Discounts

export interface DiscountRef {
  discountId: string;
  /** Known only when the discount was expanded (null = expanded and no promotion code). */
  promotionCodeId: string | null | undefined;
  /** `metadata.rekomi_affiliate_coupon_id` of an expanded promotion code, if any. */
  affiliateCouponIdHint: string | null;
}

/** One entry of a `discounts` array: a `di_...` id or an expanded Discount. */
export function readDiscount(v: unknown): DiscountRef | null {
  if (typeof v === "string")
    return v ? { discountId: v, promotionCodeId: undefined, affiliateCouponIdHint: null } : null;
  if (!isObj(v)) return null;
  const discountId = str(v.id);
  if (!discountId) return null;
  const promo = v.promotion_code;
  return {
    discountId,
    promotionCodeId: idOf(promo),
    affiliateCouponIdHint:
      isObj(promo) && isObj(promo.metadata) ? str(promo.metadata.rekomi_affiliate_coupon_id) : null,
  };
}

function discountsOf(v: unknown): DiscountRef[] {
  if (!Array.isArray(v)) return [];
  return v.map(readDiscount).filter((d): d is DiscountRef => d !== null);
}

// ---------------------------------------------------------------------------------------------
// Invoice (`invoice.paid`)

export interface InvoiceFacts {
  id: string;
  customerId: string | null;
  subscriptionId: string | null;
  billingReason: string | null;
  currency: string;
  /** What was paid, net of tax: `total` minus the taxes. */
  amount: number;
  /** When it was paid (unix seconds): `status_transitions.paid_at`, else `created`. */
  paidAt: number;
  /** Start of the period it pays for: the subscription line's period start, else `paidAt`. */
  periodStart: number;
  /** Invoice-level and line-level discounts (deduplicated, invoice-level first). */
  discounts: DiscountRef[];
  /** `metadata.rekomi_ref` of the subscription (as copied onto the invoice) or of the invoice. */
  clickRef: string | null;
}

export function readInvoice(inv: unknown): InvoiceFacts | null {
  if (!isObj(inv) || inv.object !== "invoice") return null;
  const id = str(inv.id);
  if (!id) return null;
  const parent = isObj(inv.parent) ? inv.parent : {};
  const subDetails = isObj(parent.subscription_details) ? parent.subscription_details : {};
  const lines =
    isObj(inv.lines) && Array.isArray(inv.lines.data) ? (inv.lines.data as unknown[]) : [];

  let subscriptionId = idOf(subDetails.subscription);
  let periodStart: number | null = null;
  const discounts = discountsOf(inv.discounts);
  const seen = new Set(discounts.map((d) => d.discountId));
  for (const line of lines) {
    if (!isObj(line)) continue;
    const lineParent = isObj(line.parent) ? line.parent : {};
    const item = isObj(lineParent.subscription_item_details)
      ? lineParent.subscription_item_details
      : null;
    if (item) {
      subscriptionId ??= idOf(item.subscription);
      if (periodStart === null && isObj(line.period)) periodStart = int(line.period.start);
    }
    for (const d of discountsOf(line.discounts)) {
      if (!seen.has(d.discountId)) {
        seen.add(d.discountId);
        discounts.push(d);
      }
    }
  }

  const taxes = Array.isArray(inv.total_taxes) ? (inv.total_taxes as unknown[]) : [];
  let tax = 0;
  for (const t of taxes) if (isObj(t)) tax += int(t.amount) ?? 0;
  const total = int(inv.total) ?? int(inv.amount_paid) ?? 0;
  const transitions = isObj(inv.status_transitions) ? inv.status_transitions : {};
  const paidAt = int(transitions.paid_at) ?? int(inv.created) ?? 0;

  return {
    id,
    customerId: idOf(inv.customer),
    subscriptionId,
    billingReason: str(inv.billing_reason),
    currency: (str(inv.currency) ?? "usd").toLowerCase(),
    amount: Math.max(0, total - tax),
    paidAt,
    periodStart: periodStart ?? paidAt,
    discounts,
    clickRef: metadataClickRef(subDetails.metadata) ?? metadataClickRef(inv.metadata),
  };
}

// ---------------------------------------------------------------------------------------------
// Checkout Session (`checkout.session.completed`)

export interface SessionFacts {
  id: string;
  mode: "payment" | "subscription" | "setup" | null;
  paid: boolean;
  customerId: string | null;
  subscriptionId: string | null;
  invoiceId: string | null;
  paymentIntentId: string | null;
  currency: string;
  /** `amount_total` minus `total_details.amount_tax`. */
  amount: number;
  createdAt: number;
  /** `client_reference_id`, else `metadata.rekomi_ref`. */
  clickRef: string | null;
  /**
   * Promotion codes seen on the session: `total_details.breakdown` (only when expanded: a code the
   * customer typed is reliably there) and the `discounts` param. `breakdownKnown` tells whether the
   * breakdown was present.
   */
  promotionCodeIds: string[];
  breakdownKnown: boolean;
}

export function readCheckoutSession(s: unknown): SessionFacts | null {
  if (!isObj(s) || s.object !== "checkout.session") return null;
  const id = str(s.id);
  if (!id) return null;
  const totals = isObj(s.total_details) ? s.total_details : {};
  const promos: string[] = [];
  const add = (p: string | null) => {
    if (p && !promos.includes(p)) promos.push(p);
  };
  const breakdown = isObj(totals.breakdown) ? totals.breakdown : null;
  if (breakdown && Array.isArray(breakdown.discounts)) {
    for (const entry of breakdown.discounts as unknown[]) {
      if (isObj(entry)) add(readDiscount(entry.discount)?.promotionCodeId ?? null);
    }
  }
  if (Array.isArray(s.discounts)) {
    for (const d of s.discounts as unknown[]) if (isObj(d)) add(idOf(d.promotion_code));
  }
  const mode =
    s.mode === "payment" || s.mode === "subscription" || s.mode === "setup" ? s.mode : null;
  return {
    id,
    mode,
    paid: s.payment_status === "paid" || s.payment_status === "no_payment_required",
    customerId: idOf(s.customer),
    subscriptionId: idOf(s.subscription),
    invoiceId: idOf(s.invoice),
    paymentIntentId: idOf(s.payment_intent),
    currency: (str(s.currency) ?? "usd").toLowerCase(),
    amount: Math.max(0, (int(s.amount_total) ?? 0) - (int(totals.amount_tax) ?? 0)),
    createdAt: int(s.created) ?? 0,
    clickRef: normaliseClickRef(s.client_reference_id) ?? metadataClickRef(s.metadata),
    promotionCodeIds: promos,
    breakdownKnown: breakdown !== null,
  };
}

// ---------------------------------------------------------------------------------------------
// Subscription (`customer.subscription.created`)

export interface SubscriptionFacts {
  id: string;
  customerId: string | null;
  discounts: DiscountRef[];
  clickRef: string | null;
  createdAt: number;
}

export function readSubscription(sub: unknown): SubscriptionFacts | null {
  if (!isObj(sub) || sub.object !== "subscription") return null;
  const id = str(sub.id);
  if (!id) return null;
  return {
    id,
    customerId: idOf(sub.customer),
    discounts: discountsOf(sub.discounts),
    clickRef: metadataClickRef(sub.metadata),
    createdAt: int(sub.created) ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Invoice payment (`invoice_payment.paid`) and charge (`charge.refunded`)

export interface InvoicePaymentFacts {
  invoiceId: string;
  paymentIntentId: string | null;
}

export function readInvoicePayment(ip: unknown): InvoicePaymentFacts | null {
  if (!isObj(ip) || ip.object !== "invoice_payment") return null;
  const invoiceId = idOf(ip.invoice);
  if (!invoiceId) return null;
  const payment = isObj(ip.payment) ? ip.payment : {};
  return {
    invoiceId,
    paymentIntentId: payment.type === "payment_intent" ? idOf(payment.payment_intent) : null,
  };
}

export interface ChargeFacts {
  id: string;
  paymentIntentId: string | null;
  customerId: string | null;
  currency: string;
  amount: number;
  /** Cumulative. */
  amountRefunded: number;
  refunded: boolean;
}

export function readCharge(ch: unknown): ChargeFacts | null {
  if (!isObj(ch) || ch.object !== "charge") return null;
  const id = str(ch.id);
  if (!id) return null;
  return {
    id,
    paymentIntentId: idOf(ch.payment_intent),
    customerId: idOf(ch.customer),
    currency: (str(ch.currency) ?? "usd").toLowerCase(),
    amount: int(ch.amount) ?? 0,
    amountRefunded: int(ch.amount_refunded) ?? 0,
    refunded: ch.refunded === true,
  };
}

/** `customer.metadata.rekomi_ref` of a retrieved customer (null for a deleted customer). */
export function readCustomerClickRef(customer: unknown): string | null {
  if (!isObj(customer) || customer.deleted === true) return null;
  return metadataClickRef(customer.metadata);
}
