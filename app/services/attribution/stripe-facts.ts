/**
 * Every Stripe read the attribution job makes, memoised per event. The dispatcher runs a handler's
 * `gather` phase first, outside the database transaction, which fills this memo; the `apply` phase
 * inside the transaction asks the same questions and gets the remembered answers (it only calls
 * Stripe itself if the database changed in between and it needs something new — rare).
 */
import type Stripe from "stripe";
import {
  type DiscountRef,
  readCheckoutSession,
  readCustomerClickRef,
  readDiscount,
  readInvoice,
} from "~/stripe/readers";
import type { PaymentRecord } from "~/domain/payment-history";
import { invoiceRecordOf, sessionRecordOf } from "./record-of";
import type { SignalResolver } from "./signals";

/** Payments older than this margin before a scan are assumed complete in its result (clock skew). */
export const SCAN_MARGIN_SECONDS = 300;

export interface CustomerScan {
  /** Every payment of the customer paid before this moment (unix seconds) is in `payments`. */
  scannedThrough: number;
  payments: PaymentRecord[];
  clickRef: string | null;
  discounts: DiscountRef[];
}

export class StripeFacts {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** Discount -> promotion code pairs learned from expanded responses (persisted by the caller). */
  readonly learnedDiscounts = new Map<string, string | null>();
  /** Discounts already written to `stripe_discounts` (not written again). */
  readonly savedDiscounts = new Set<string>();
  /** Expanded discounts seen in any response, by id (a customer scan answers for its invoices). */
  readonly expandedDiscounts = new Map<string, DiscountRef>();
  /** Invoices seen (discounts expanded) in a customer scan: their discounts, by invoice id. */
  private readonly scannedInvoices = new Map<string, DiscountRef[]>();
  /** Promotion codes of Checkout Sessions seen expanded in a customer scan, by session id. */
  readonly sessionPromos = new Map<string, string[]>();
  /**
   * What the gather phase worked out from the event and immutable facts (payment records by key)
   * and its brand look-ups (codes, clicks), for the apply phase to reuse instead of asking again.
   */
  readonly records = new Map<string, PaymentRecord>();
  signals: SignalResolver | null = null;
  /** Stripe calls actually made (tests assert renewals and refunds make none). */
  calls = 0;

  constructor(
    private readonly client: () => Promise<Stripe>,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  private once<T>(key: string, fetch: (stripe: Stripe) => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = this.client().then((stripe) => {
        this.calls += 1;
        return fetch(stripe);
      });
      // A failed call is not remembered: the job's retry asks again.
      hit.catch(() => this.memo.delete(key));
      this.memo.set(key, hit);
    }
    return hit;
  }

  private learn(discounts: readonly DiscountRef[]): void {
    for (const d of discounts) {
      if (d.promotionCodeId !== undefined) {
        this.learnedDiscounts.set(d.discountId, d.promotionCodeId);
        this.expandedDiscounts.set(d.discountId, d);
      }
    }
  }

  /** Learned discounts not yet written to `stripe_discounts`. */
  unsavedDiscounts(): [string, string | null][] {
    return [...this.learnedDiscounts].filter(([id]) => !this.savedDiscounts.has(id));
  }

  /** An invoice's discounts, expanded (their promotion codes). */
  invoiceDiscounts(invoiceId: string): Promise<DiscountRef[]> {
    const scanned = this.scannedInvoices.get(invoiceId);
    if (scanned) return Promise.resolve(scanned);
    return this.once(`invoice:${invoiceId}`, async (stripe) => {
      const invoice = await stripe.invoices.retrieve(invoiceId, {
        expand: ["discounts", "discounts.promotion_code"],
      });
      const facts = readInvoice(invoice);
      const discounts = facts?.discounts ?? [];
      this.learn(discounts);
      return discounts;
    });
  }

  /** A subscription's discounts, expanded. */
  subscriptionDiscounts(subscriptionId: string): Promise<DiscountRef[]> {
    return this.once(`subscription:${subscriptionId}`, async (stripe) => {
      const sub = await stripe.subscriptions.retrieve(subscriptionId, { expand: ["discounts"] });
      const discounts = (Array.isArray(sub.discounts) ? sub.discounts : [])
        .map(readDiscount)
        .filter((d): d is DiscountRef => d !== null);
      this.learn(discounts);
      return discounts;
    });
  }

  /** The promotion codes of a Checkout Session (`total_details.breakdown`, expanded). */
  sessionPromotionCodes(sessionId: string): Promise<string[]> {
    const scanned = this.sessionPromos.get(sessionId);
    if (scanned) return Promise.resolve(scanned);
    return this.once(`session:${sessionId}`, async (stripe) => {
      const session = await stripe.checkout.sessions.retrieve(sessionId, {
        expand: ["total_details.breakdown"],
      });
      return readCheckoutSession(session)?.promotionCodeIds ?? [];
    });
  }

  /** The invoice a payment intent paid (one InvoicePayment lookup), or null. */
  invoiceForPaymentIntent(paymentIntentId: string): Promise<string | null> {
    return this.once(`pi:${paymentIntentId}`, async (stripe) => {
      const list = await stripe.invoicePayments.list({
        payment: { type: "payment_intent", payment_intent: paymentIntentId },
        limit: 1,
      });
      const first = list.data[0];
      if (!first) return null;
      return typeof first.invoice === "string" ? first.invoice : (first.invoice?.id ?? null);
    });
  }

  /**
   * Every payment of a customer: paid invoices (discounts and their promotion codes expanded) and
   * completed Checkout Sessions (breakdown expanded: typed codes, `client_reference_id`), plus the
   * customer's `metadata.rekomi_ref`. The three lists are read concurrently. What they show about
   * each invoice's discounts and each session's codes is remembered, so the same event needs no
   * separate `invoices.retrieve` / `checkout.sessions.retrieve` for them.
   */
  scanCustomer(customerId: string): Promise<CustomerScan> {
    return this.once(`customer:${customerId}`, async (stripe) => {
      const startedAt = this.now();
      const [invoices, sessions, customer] = await listCustomer(stripe, customerId);
      const { payments, discounts, firstInvoiceOf } = this.scanInvoices(customerId, invoices);
      this.scanSessions(customerId, sessions, payments, firstInvoiceOf);
      this.learn(discounts);
      return {
        scannedThrough: startedAt - SCAN_MARGIN_SECONDS,
        payments: [...payments.values()],
        clickRef: readCustomerClickRef(customer),
        discounts,
      };
    });
  }

  /** The scan's invoices as payments (their discounts remembered), and each subscription's first. */
  private scanInvoices(customerId: string, invoices: readonly unknown[]) {
    const payments = new Map<string, PaymentRecord>();
    const discounts: DiscountRef[] = [];
    const firstInvoiceOf = new Map<string, PaymentRecord>();
    for (const invoice of invoices) {
      const f = readInvoice(invoice);
      if (!f) continue;
      discounts.push(...f.discounts);
      // The same expansion as `invoiceDiscounts` makes (top-level discounts and their codes).
      this.scannedInvoices.set(f.id, f.discounts);
      const codes = {
        promotionCodeIds: f.discounts.flatMap((d) =>
          d.promotionCodeId ? [d.promotionCodeId] : [],
        ),
        affiliateCouponHints: f.discounts.flatMap((d) =>
          d.affiliateCouponIdHint ? [d.affiliateCouponIdHint] : [],
        ),
      };
      const record: PaymentRecord = { ...invoiceRecordOf(f, codes, false), customerId };
      payments.set(record.key, record);
      if (f.subscriptionId) {
        const first = firstInvoiceOf.get(f.subscriptionId);
        if (!first || record.at < first.at || (record.at === first.at && record.key < first.key)) {
          firstInvoiceOf.set(f.subscriptionId, record);
        }
      }
    }
    return { payments, discounts, firstInvoiceOf };
  }

  /** The scan's one-off sessions as payments; a subscription's session signals go to its first invoice. */
  private scanSessions(
    customerId: string,
    sessions: readonly unknown[],
    payments: Map<string, PaymentRecord>,
    firstInvoiceOf: Map<string, PaymentRecord>,
  ): void {
    for (const session of sessions) {
      const s = readCheckoutSession(session);
      if (!s) continue;
      if (s.breakdownKnown) this.sessionPromos.set(s.id, s.promotionCodeIds);
      if (!s.paid) continue;
      if (s.mode === "payment") {
        payments.set(s.id, { ...sessionRecordOf(s, s.promotionCodeIds, false), customerId });
      } else if (s.mode === "subscription") {
        const target =
          (s.invoiceId ? payments.get(s.invoiceId) : undefined) ??
          (s.subscriptionId ? firstInvoiceOf.get(s.subscriptionId) : undefined);
        if (target) {
          target.sessionId ??= s.id;
          target.clickRef ??= s.clickRef;
          for (const p of s.promotionCodeIds)
            if (!target.promotionCodeIds.includes(p)) target.promotionCodeIds.push(p);
        }
      }
    }
  }
}

async function listAll<T>(list: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of list) out.push(item);
  return out;
}

/** A customer's paid invoices, completed Checkout Sessions and the customer, read concurrently. */
function listCustomer(stripe: Stripe, customerId: string) {
  return Promise.all([
    listAll(
      stripe.invoices.list({
        customer: customerId,
        status: "paid",
        limit: 100,
        expand: ["data.discounts", "data.discounts.promotion_code"],
      }),
    ),
    listAll(
      stripe.checkout.sessions.list({
        customer: customerId,
        status: "complete",
        limit: 100,
        expand: ["data.total_details.breakdown"],
      }),
    ),
    stripe.customers.retrieve(customerId),
  ]);
}
