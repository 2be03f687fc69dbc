/**
 * The attribution engine: one Stripe payment (paid invoice or one-off Checkout Session) -> at most
 * one conversion, its ledger entries and its redemption counter change; refunds -> clawbacks.
 *
 * Determinism: every decision about a payment P of customer C is a function of C's payments up to
 * P (the "history", app/services/attribution/history.ts) and of Rekomi's own rows (codes, clicks,
 * affiliates, campaigns):
 * - the binding is made by C's EARLIEST payment with a creditable signal (whichever event arrives
 *   first); it is permanent;
 * - the recurring window is anchored at the period start of the earliest PAID payment at or after
 *   the binding payment;
 * - a code counts a redemption on the earliest payment of C that used it.
 * When a decision needs payments Rekomi has not seen (C is new, or P is newer than the last look
 * and could bind/anchor/redeem), C's invoices and Checkout Sessions are listed once from Stripe.
 * A payment processed while C was unbound and without signals has no conversion; if an earlier
 * payment later turns out to bind C, such payments are credited then ("fix-ups").
 *
 * Concurrency (`lockAttribution`): every decision depends only on ONE customer's payments (and on
 * brand settings the job never writes), so an event locks the customer(s) whose state it touches
 * (transaction-scoped advisory locks, exclusive per customer, taken in a fixed order after a
 * SHARED brand lock): events of different customers run in parallel, two events of one customer
 * never do. An event that cannot name its customer (an `invoice_payment.paid` or a guest refund
 * whose conversion is not recorded yet) takes the brand lock EXCLUSIVELY, i.e. waits for every
 * event of the brand in flight, as all events did before. What different customers share is
 * written so that concurrency cannot corrupt it:
 * - conversions: unique per Stripe object id (invoice / session), insert ... on conflict do nothing;
 * - commission_entries: append-only inserts; balances are sums, there is no stored balance;
 * - affiliate_coupons.redemption_count: one atomic `update set redemption_count = redemption_count
 *   + 1` (or `greatest(... - 1, 0)`), serialised by the row lock, never read-modify-write in JS;
 * - webhook messages, deliveries and their jobs: new rows only (ids generated per message);
 * - stripe_discounts: an immutable cache (discount -> promotion code), insert ... do nothing;
 * - stripe_payment_intents / pending_refunds: keyed by payment intent, i.e. one customer's
 *   payment. `invoice.paid` holds the invoice's customer; `charge.refunded` holds the charge's
 *   customer (Stripe creates an invoice's PaymentIntent for the invoice's customer), the recorded
 *   conversion's and `pi:<id>`; a one-off session payment holds its customer (or, guest, its
 *   payment intent) and `pi:<id>`; `invoice_payment.paid` holds the recorded conversion's customer
 *   and `pi:<id>`, or the brand exclusively while the invoice is not recorded yet.
 * Rekomi does not enforce `max_redemptions` itself (Stripe does at checkout), so no shared limit
 * is read-then-written here. Brand settings (codes, clicks, affiliates, campaigns) are read, never
 * written, by the job; the apply phase may reuse what the gather phase read of them moments before.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import {
  type AttributionDecision,
  type ClickCandidate,
  type CouponCandidate,
  decideAttribution,
} from "~/domain/attribution";
import {
  type LedgerAdjustmentResult,
  type LedgerEntry,
  type PostedEntry,
  computeLedgerAdjustments,
  refundedShareOfConversion,
} from "~/domain/clawback";
import {
  buildDecisionRecord,
  type CommissionResult,
  type CommissionTerms,
  computeCommission,
} from "~/domain/commission";
import type { DB } from "~/db/db.server";
import type { AffiliateStatus, ConversionRow, ReferralRow } from "~/db/schema";
import type { ChargeFacts } from "~/stripe/readers";
import { emitConversionEvent } from "./emit";
import { comparePayments, mergeHistory, parseHistory, type PaymentRecord } from "./history";
import {
  commissionContext,
  existingReferral,
  SignalResolver,
  type SubscriptionSignals,
} from "./signals";
import type { CustomerScan, StripeFacts } from "./stripe-facts";

/** What one event's writes touch: some customers' state, or (unknown customer) the whole brand. */
export type LockScope = { kind: "keys"; keys: string[] } | { kind: "brand" };

const brandLockKey = (brandId: string) => `rekomi:attribution:${brandId}`;

/** Serialise every attribution write of one brand (held until the transaction ends). */
export async function lockBrand(trx: DB, brandId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${brandLockKey(brandId)}, 0))`.execute(
    trx,
  );
}

/**
 * Take the locks of a scope in ONE statement (held until the transaction ends): the brand lock
 * shared, then each key's lock exclusive, in sorted order (the select list is evaluated left to
 * right), so two events never wait for each other in a cycle. `kind: "brand"` takes the brand
 * lock exclusively instead (it excludes every keyed event of the brand).
 */
export async function lockAttribution(trx: DB, brandId: string, scope: LockScope): Promise<void> {
  if (scope.kind === "brand") return lockBrand(trx, brandId);
  const keys = [...new Set(scope.keys)].sort();
  const brandKey = brandLockKey(brandId);
  const locks = keys.map(
    (k) => sql`pg_advisory_xact_lock(hashtextextended(${`${brandKey}:${k}`}, 0))`,
  );
  await sql`select ${sql.join([sql`pg_advisory_xact_lock_shared(hashtextextended(${brandKey}, 0))`, ...locks])}`.execute(
    trx,
  );
}

/**
 * The lock key of a payment's state: its customer; a customer-less one-off payment by its payment
 * intent (what its refund knows too); else the payment itself.
 */
export function paymentLockKey(p: {
  customerId: string | null;
  kind: "invoice" | "session";
  key: string;
  paymentIntentId: string | null;
}): string {
  if (p.customerId) return `customer:${p.customerId}`;
  if (p.kind === "session" && p.paymentIntentId) return `pi:${p.paymentIntentId}`;
  return `${p.kind}:${p.key}`;
}

/** The lock key of a recorded conversion's payment (see `paymentLockKey`). */
export function conversionLockKey(
  c: Pick<
    ConversionRow,
    | "stripe_customer_id"
    | "stripe_invoice_id"
    | "stripe_checkout_session_id"
    | "stripe_payment_intent_id"
  >,
): string | null {
  const key = c.stripe_invoice_id ?? c.stripe_checkout_session_id;
  if (!key) return null;
  return paymentLockKey({
    customerId: c.stripe_customer_id,
    kind: c.stripe_invoice_id ? "invoice" : "session",
    key,
    paymentIntentId: c.stripe_payment_intent_id,
  });
}

const toDate = (seconds: number) => new Date(seconds * 1000);
const toSeconds = (d: Date | string) =>
  Math.floor((d instanceof Date ? d : new Date(d)).getTime() / 1000);

// ---------------------------------------------------------------------------------------------
// Collect (read-only: database + Stripe through the memo). The gather phase runs it outside the
// transaction to make the Stripe calls; the apply phase runs it again inside (memo hits).

export interface Collected {
  payment: PaymentRecord;
  history: PaymentRecord[];
  hadCustomerRow: boolean;
  scannedThrough: number | null;
  scan: CustomerScan | null;
  referral: ReferralRow | null;
  referralAffiliateStatus: AffiliateStatus | null;
  resolver: SignalResolver;
}

function isBefore(a: PaymentRecord, b: Pick<PaymentRecord, "at" | "key">): boolean {
  return comparePayments(a, b) < 0;
}

/** Whether an earlier payment of the customer used the same affiliate code. */
function usedEarlier(
  history: readonly PaymentRecord[],
  resolver: SignalResolver,
  p: PaymentRecord,
  couponId: string,
) {
  return history.some(
    (r) => isBefore(r, p) && resolver.couponOf(r)?.affiliateCouponId === couponId,
  );
}

function boundKey(referral: ReferralRow) {
  return { at: toSeconds(referral.bound_at), key: referral.bound_payment_key };
}

/** What the database holds about a payment's customer (read in one query). */
export interface PaymentState {
  /** The payment's conversion id, if recorded. */
  conversionId: string | null;
  customer: { payments: unknown; click_ref: string | null; scanned_through: Date | null } | null;
  referral: ReferralRow | null;
  /** The bound affiliate's status now (null: the affiliate is gone). */
  referralAffiliateStatus: AffiliateStatus | null;
  /** The payment's intent: its own, else the one learned from `invoice_payment.paid`. */
  paymentIntentId: string | null;
  /** A refund that arrived before the conversion (keyed by that payment intent). */
  pendingRefund: PendingRefund | null;
  /** The signals stored for the payment's subscription (first invoices only; null: none stored). */
  subscription: { id: string; signals: SubscriptionSignals | null } | null;
}

/**
 * The payment's conversion id, its customer's `stripe_customers` row, its referral (with the
 * bound affiliate's status), its payment intent and a refund waiting for it, in one round trip.
 */
export async function loadPaymentState(
  q: DB,
  brandId: string,
  p: Pick<PaymentRecord, "key" | "kind" | "customerId"> &
    Partial<Pick<PaymentRecord, "paymentIntentId" | "subscriptionId" | "billingReason">>,
): Promise<PaymentState> {
  // A first invoice also carries its subscription's signals (customer state: read under the lock).
  const subscriptionId =
    p.kind === "invoice" && p.billingReason === "subscription_create"
      ? (p.subscriptionId ?? null)
      : null;
  const customerId = p.customerId;
  const ownPi = p.paymentIntentId ?? null;
  // One statement, its plan cached per connection (migration 0010: planning this read cost
  // several times its execution); a first invoice's subscription signals come with it.
  const { rows } = await sql<{
    sub_found: boolean;
    sub_promotion_code_ids: unknown;
    sub_click_ref: string | null;
    pi: string | null;
    pr_charge_id: string | null;
    pr_charge_amount: number | null;
    pr_amount_refunded: number | null;
    conversion_id: string | null;
    has_customer: boolean;
    payments: unknown;
    click_ref: string | null;
    scanned_through: Date | null;
    r_id: string | null;
    r_stripe_customer_id: string;
    r_affiliate_id: string;
    r_campaign_id: string;
    r_method: ReferralRow["method"];
    r_affiliate_coupon_id: string | null;
    r_click_id: string | null;
    r_commission_rate_bps: number | null;
    r_bound_payment_key: string;
    r_bound_at: Date;
    r_anchor_at: Date | null;
    r_created_at: Date;
    r_affiliate_status: AffiliateStatus | null;
  }>`
    select * from rekomi_attribution_state(${brandId}, ${p.kind === "invoice" ? p.key : null}, ${p.kind === "session" ? p.key : null},
      ${customerId}, ${ownPi}, ${subscriptionId})`.execute(q);
  const x = rows[0];
  return {
    subscription: subscriptionId
      ? {
          id: subscriptionId,
          signals: x.sub_found
            ? {
                promotionCodeIds: Array.isArray(x.sub_promotion_code_ids)
                  ? (x.sub_promotion_code_ids as string[])
                  : [],
                clickRef: x.sub_click_ref,
              }
            : null,
        }
      : null,
    paymentIntentId: x.pi,
    pendingRefund:
      x.pr_charge_id !== null
        ? {
            chargeId: x.pr_charge_id,
            chargeAmount: Number(x.pr_charge_amount),
            amountRefunded: Number(x.pr_amount_refunded),
          }
        : null,
    conversionId: x.conversion_id,
    customer: x.has_customer
      ? { payments: x.payments, click_ref: x.click_ref, scanned_through: x.scanned_through }
      : null,
    referral: x.r_id
      ? {
          id: x.r_id,
          brand_id: brandId,
          stripe_customer_id: x.r_stripe_customer_id,
          affiliate_id: x.r_affiliate_id,
          campaign_id: x.r_campaign_id,
          method: x.r_method,
          affiliate_coupon_id: x.r_affiliate_coupon_id,
          click_id: x.r_click_id,
          commission_rate_bps: x.r_commission_rate_bps,
          bound_payment_key: x.r_bound_payment_key,
          bound_at: x.r_bound_at,
          anchor_at: x.r_anchor_at,
          created_at: x.r_created_at,
        }
      : null,
    referralAffiliateStatus: x.r_affiliate_status,
  };
}

/** Whether collecting this payment will list the customer from Stripe whatever it carries. */
export function scanIsCertain(state: PaymentState, customerId: string | null): boolean {
  return (
    customerId !== null && (state.customer === null || state.customer.scanned_through === null)
  );
}

export async function collectPayment(
  q: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
  known?: PaymentState,
): Promise<Collected> {
  const customerId = payment.customerId;
  const state = known ?? (await loadPaymentState(q, brandId, payment));
  const row = state.customer ?? undefined;
  const referral = customerId ? state.referral : null;
  let history = mergeHistory(row ? parseHistory(row.payments) : [], [payment]);
  const resolver = new SignalResolver(q, brandId, row?.click_ref ?? null);
  if (facts.signals) resolver.seedFrom(facts.signals);
  if (state.subscription)
    resolver.knowSubscription(state.subscription.id, state.subscription.signals);
  await resolver.load(history);
  let p = history.find((r) => r.key === payment.key) ?? payment;
  const scannedThrough = row?.scanned_through ? toSeconds(row.scanned_through) : null;

  let needScan = false;
  if (customerId) {
    if (!row || scannedThrough === null) needScan = true;
    else if (p.at >= scannedThrough) {
      const coupon = resolver.couponOf(p);
      const click = resolver.clickCandidate(p);
      const creditable =
        (coupon !== null && coupon.affiliateStatus === "approved") ||
        (click !== null && !click.ineligibleReason);
      if (!referral) needScan = creditable;
      else if (referral.anchor_at === null && p.amount > 0 && !isBefore(p, boundKey(referral)))
        needScan = true;
      if (!needScan && coupon && !usedEarlier(history, resolver, p, coupon.affiliateCouponId))
        needScan = true;
    }
  }

  let scan: CustomerScan | null = null;
  if (needScan && customerId) {
    scan = await facts.scanCustomer(customerId);
    history = mergeHistory(history, scan.payments);
    resolver.customerClickRef = scan.clickRef ?? resolver.customerClickRef;
    await resolver.load(history);
    p = history.find((r) => r.key === payment.key) ?? p;
  }
  facts.signals ??= resolver;
  return {
    payment: p,
    history,
    hadCustomerRow: row !== undefined,
    referralAffiliateStatus: state.referralAffiliateStatus,
    scannedThrough: scan ? Math.max(scan.scannedThrough, scannedThrough ?? 0) : scannedThrough,
    scan,
    referral,
    resolver,
  };
}

// ---------------------------------------------------------------------------------------------
// Decide (pure over the collected data, plus eligibility reads)

interface BindingPlan {
  record: PaymentRecord;
  decision: AttributionDecision;
}

/** The earliest payment up to `p` whose own signals credit someone: it binds the customer. */
function findBinding(c: Collected, p: PaymentRecord): BindingPlan | null {
  for (const r of c.history) {
    if (comparePayments(r, p) > 0) break;
    const decision = ownDecision(c, r);
    if (decision.winner) return { record: r, decision };
  }
  return null;
}

function ownSignals(
  c: Collected,
  r: PaymentRecord,
): { click: ClickCandidate | null; coupon: CouponCandidate | null } {
  const couponInfo = c.resolver.couponOf(r);
  const already = couponInfo
    ? usedEarlier(c.history, c.resolver, r, couponInfo.affiliateCouponId)
    : false;
  return { click: c.resolver.clickCandidate(r), coupon: c.resolver.couponCandidate(r, already) };
}

function ownDecision(c: Collected, r: PaymentRecord): AttributionDecision {
  const { click, coupon } = ownSignals(c, r);
  return decideAttribution({ clickCandidate: click, couponCandidate: coupon });
}

// ---------------------------------------------------------------------------------------------
// Apply (inside the transaction)

export interface PaymentOutcome {
  conversion: ConversionRow | null;
  created: boolean;
}

function customerValues(brandId: string, c: Collected, history: PaymentRecord[]) {
  const customerId = c.payment.customerId;
  if (!customerId) return null;
  return {
    brand_id: brandId,
    stripe_customer_id: customerId,
    payments: JSON.stringify(history),
    click_ref: c.resolver.customerClickRef,
    scanned_through: c.scannedThrough === null ? null : toDate(c.scannedThrough),
    updated_at: new Date(),
  };
}

async function saveCustomer(
  trx: DB,
  brandId: string,
  c: Collected,
  history: PaymentRecord[],
): Promise<void> {
  const values = customerValues(brandId, c, history);
  if (!values) return;
  await trx
    .insertInto("stripe_customers")
    .values(values)
    .onConflict((oc) =>
      oc.columns(["brand_id", "stripe_customer_id"]).doUpdateSet({
        payments: values.payments,
        click_ref: values.click_ref,
        scanned_through: values.scanned_through,
        updated_at: values.updated_at,
      }),
    )
    .execute();
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
  const rows = unsaved.map(([discount_id, promotion_code_id]) => ({
    brand_id: brandId,
    discount_id,
    promotion_code_id,
  }));
  await q
    .insertInto("stripe_discounts")
    .values(rows)
    .onConflict((oc) => oc.columns(["brand_id", "discount_id"]).doNothing())
    .execute();
  for (const [id] of unsaved) facts.savedDiscounts.add(id);
}

async function conversionByKey(trx: DB, brandId: string, p: Pick<PaymentRecord, "key" | "kind">) {
  return trx
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where(p.kind === "invoice" ? "stripe_invoice_id" : "stripe_checkout_session_id", "=", p.key)
    .executeTakeFirst();
}

interface PendingRefund {
  chargeId: string;
  chargeAmount: number;
  amountRefunded: number;
}

type Row = Record<string, unknown>;

/** `(col, ...) values (v, ...)` for one row (values as parameters; Postgres types them by column). */
function valuesOf(row: Row) {
  const cols = Object.keys(row);
  return sql`(${sql.join(cols.map((c) => sql.ref(c)))}) values (${sql.join(cols.map((c) => sql`${row[c]}`))})`;
}

/**
 * Everything a new conversion writes, in ONE statement (data-modifying CTEs): the referral it
 * binds (if new), the conversion (unique per Stripe object: on conflict nothing is written but the
 * customer row), its ledger entries, the customer's payments, learned discounts and the redemption
 * counters (atomic increments, only when the conversion was inserted). Returns the conversion,
 * or undefined when it already existed.
 */
async function recordConversion(
  trx: DB,
  input: {
    referral: ReferralRow | null;
    conversion: Row & { brand_id: string };
    entries: readonly LedgerEntry[];
    customer: ReturnType<typeof customerValues>;
    discounts: [string, string | null][];
    counters: { couponId: string; delta: number }[];
  },
): Promise<ConversionRow | undefined> {
  const brandId = input.conversion.brand_id;
  const ctes = [];
  if (input.referral)
    ctes.push(sql`ref as (insert into referrals ${valuesOf(input.referral)} returning id)`);
  ctes.push(
    sql`conv as (insert into conversions ${valuesOf(input.conversion)} on conflict do nothing returning *)`,
  );
  if (input.entries.length > 0) {
    const rows = input.entries.map(
      (e) =>
        sql`(${e.affiliateId}::uuid, ${e.kind}::text, ${e.amount}::bigint, ${e.currency}::text)`,
    );
    ctes.push(sql`led as (insert into commission_entries (brand_id, conversion_id, affiliate_id, kind, amount, currency)
      select conv.brand_id, conv.id, e.affiliate_id, e.kind, e.amount, e.currency
        from conv cross join (values ${sql.join(rows)}) as e(affiliate_id, kind, amount, currency))`);
  }
  if (input.customer) {
    ctes.push(sql`cust as (insert into stripe_customers ${valuesOf(input.customer)}
      on conflict (brand_id, stripe_customer_id) do update set payments = excluded.payments, click_ref = excluded.click_ref,
         scanned_through = excluded.scanned_through, updated_at = excluded.updated_at)`);
  }
  if (input.discounts.length > 0) {
    const rows = input.discounts.map(
      ([d, promo]) => sql`(${brandId}::uuid, ${d}::text, ${promo}::text)`,
    );
    ctes.push(sql`disc as (insert into stripe_discounts (brand_id, discount_id, promotion_code_id) values ${sql.join(rows)}
      on conflict (brand_id, discount_id) do nothing)`);
  }
  const net = new Map<string, number>();
  for (const ch of input.counters) net.set(ch.couponId, (net.get(ch.couponId) ?? 0) + ch.delta);
  [...net.keys()].sort().forEach((couponId, i) => {
    const delta = net.get(couponId)!;
    if (delta === 0) return;
    const value =
      delta > 0
        ? sql`redemption_count + ${delta}::int`
        : sql`greatest(redemption_count + ${delta}::int, 0)`;
    ctes.push(sql`${sql.raw(`cnt${i}`)} as (update affiliate_coupons set redemption_count = ${value}
      where id = ${couponId} and brand_id = ${brandId} and exists (select 1 from conv))`);
  });
  const { rows } = await sql<ConversionRow>`with ${sql.join(ctes)} select * from conv`.execute(trx);
  return rows[0];
}

/**
 * Record the conversion of one payment (idempotent: an existing conversion is returned as is).
 * The caller holds the payment's lock (`lockAttribution`, key `paymentLockKey(payment)`).
 */
export async function applyPayment(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
  opts: { fixups?: boolean } = {},
): Promise<PaymentOutcome> {
  const state = await loadPaymentState(trx, brandId, payment);
  if (state.conversionId) {
    const existing = (await conversionByKey(trx, brandId, payment))!;
    if (payment.customerId) await markProcessed(trx, brandId, payment);
    if (!existing.stripe_payment_intent_id && payment.paymentIntentId) {
      await linkPaymentIntent(trx, brandId, existing, payment.paymentIntentId);
    }
    return { conversion: existing, created: false };
  }

  const c = await collectPayment(trx, facts, brandId, payment, state);
  const p = c.payment;
  let referral = c.referral;
  let referralStatus: AffiliateStatus | null | undefined = c.referralAffiliateStatus;
  let newBinding: BindingPlan | null = null;
  let anchoredByP = false;
  let newReferral: ReferralRow | null = null;
  if (!referral && p.customerId) {
    newBinding = findBinding(c, p);
    if (newBinding) {
      const w = newBinding.decision.winner!;
      // Bound by P itself: P is the binding's first payment; if paid, its period anchors the
      // recurring window (otherwise the anchor is set below, once known).
      const anchorAt =
        newBinding.record.key === p.key && p.amount > 0 ? toDate(p.periodStart) : null;
      // Written with the conversion (`recordConversion`); none can exist (read under the lock), so
      // a concurrent insert would be a unique violation: the job fails and is retried.
      newReferral = {
        id: randomUUID(),
        brand_id: brandId,
        stripe_customer_id: p.customerId,
        affiliate_id: w.affiliateId,
        campaign_id: w.campaignId,
        method: w.method,
        affiliate_coupon_id: w.affiliateCouponId,
        click_id: w.clickId,
        commission_rate_bps: w.commissionRateBps,
        bound_payment_key: newBinding.record.key,
        bound_at: toDate(newBinding.record.at),
        anchor_at: anchorAt,
        created_at: new Date(),
      };
      anchoredByP = anchorAt !== null;
      referral = newReferral;
      referralStatus = undefined; // read with the referral when it is needed
    }
  }

  // The decision for P.
  const own = ownSignals(c, p);
  let decision: AttributionDecision;
  if (referral && referral.bound_payment_key === p.key) {
    decision = decideAttribution({ clickCandidate: own.click, couponCandidate: own.coupon });
  } else if (referral && !isBefore(p, boundKey(referral))) {
    decision = decideAttribution({
      existingReferral: await existingReferral(trx, referral, referralStatus),
      clickCandidate: own.click,
      couponCandidate: own.coupon,
    });
  } else {
    // Before the binding (or no binding): the payment's own signals could not credit anyone when
    // the binding was made; if eligibility changed since, they still must not re-bind.
    const mark = <T extends { ineligibleReason?: string | null }>(x: T | null): T | null =>
      x && referral ? { ...x, ineligibleReason: x.ineligibleReason ?? "precedes_binding" } : x;
    decision = decideAttribution({
      clickCandidate: mark(own.click),
      couponCandidate: mark(own.coupon),
    });
  }

  const history = c.history.map((r) => (r.key === p.key ? { ...r, processed: true } : r));
  const winner = decision.winner;
  if (!winner && !decision.countsRedemptionOn) {
    if (newReferral) await trx.insertInto("referrals").values(newReferral).execute();
    await saveCustomer(trx, brandId, c, history);
    return { conversion: null, created: false };
  }

  // Recurring anchor: the earliest paid payment at or after the binding (persisted once known).
  let anchor: number | null = null;
  let anchorIsP = false;
  if (winner && referral) {
    if (referral.anchor_at) {
      anchor = toSeconds(referral.anchor_at);
      anchorIsP = anchoredByP;
    } else {
      const bound = boundKey(referral);
      const first = c.history.find(
        (r) => !isBefore(r, bound) && comparePayments(r, p) <= 0 && r.amount > 0,
      );
      if (first) {
        anchor = first.periodStart;
        anchorIsP = first.key === p.key;
        if (newReferral) newReferral.anchor_at = toDate(first.periodStart);
        else {
          await trx
            .updateTable("referrals")
            .set({ anchor_at: toDate(first.periodStart) })
            .where("id", "=", referral.id)
            .where("anchor_at", "is", null)
            .execute();
        }
      }
    }
  }

  let result: CommissionResult | null = null;
  if (winner) {
    const context = await commissionContext(trx, brandId, winner.campaignId, winner.affiliateId);
    if (context) {
      const campaign = context.terms;
      result = computeCommission({
        amount: p.amount,
        currency: p.currency,
        affiliateId: winner.affiliateId,
        campaignCommission: campaign.commission,
        codeCommissionBps: winner.commissionRateBps,
        overrideBps: campaign.overrideBps,
        parentAffiliateId: context.parentAffiliateId,
        recurring: {
          recurringMonths: campaign.recurringMonths,
          anchor: anchor === null || anchorIsP ? null : toDate(anchor),
          periodStart: toDate(p.periodStart),
        },
      });
    }
  }
  const record = buildDecisionRecord(decision, result);

  // The payment intent (for refunds): on the record, or learned from invoice_payment.paid; and a
  // refund that arrived before the conversion (both read with the state, under the lock).
  const paymentIntentId = p.paymentIntentId ?? state.paymentIntentId;
  const pending = state.pendingRefund;

  const usedCoupon = own.coupon ?? null;
  const couponId = usedCoupon?.affiliateCouponId ?? winner?.affiliateCouponId ?? null;
  const couponCode =
    usedCoupon?.code ??
    (couponId
      ? ((
          await trx
            .selectFrom("affiliate_coupons")
            .select("code")
            .where("id", "=", couponId)
            .executeTakeFirst()
        )?.code ?? null)
      : null);
  const method = winner?.method ?? (usedCoupon ? "coupon" : "link");

  // The ledger is settled before the insert (a new conversion has no entries yet), so the row is
  // written once with its final amounts and status.
  const termsJson = JSON.stringify(result ? result.terms : null);
  const redemptionCounted = decision.countsRedemptionOn !== null;
  const settlement = planSettlement(
    {
      amount: p.amount,
      terms: parseTerms(JSON.parse(termsJson)),
      refundedAmount: 0,
      redemptionCounted,
    },
    pending,
    [],
  );
  const inserted = await recordConversion(trx, {
    referral: newReferral,
    conversion: {
      brand_id: brandId,
      campaign_id: winner?.campaignId ?? null,
      affiliate_id: winner?.affiliateId ?? null,
      referral_id: winner && referral && winner.method !== "s2s" ? referral.id : null,
      attribution_method: method,
      affiliate_coupon_id: couponId,
      coupon_code: couponCode,
      click_id: winner?.clickId ?? own.click?.clickId ?? null,
      amount: p.amount,
      currency: p.currency,
      commission_amount: settlement.commissionAmount,
      override_amount: settlement.overrideAmount,
      refunded_amount: settlement.result.refundedAmount,
      status: settlement.result.status,
      stripe_customer_id: p.customerId,
      stripe_invoice_id: p.kind === "invoice" ? p.key : null,
      stripe_subscription_id: p.subscriptionId,
      stripe_checkout_session_id: p.sessionId,
      stripe_payment_intent_id: paymentIntentId,
      stripe_charge_id: pending?.chargeId ?? null,
      decision: JSON.stringify(record),
      terms: termsJson,
      redemption_counted: redemptionCounted,
      period_start: toDate(p.periodStart),
      occurred_at: toDate(p.at),
    },
    entries: settlement.result.entries,
    customer: customerValues(brandId, c, history),
    discounts: facts.unsavedDiscounts(),
    counters: [
      ...(decision.countsRedemptionOn ? [{ couponId: decision.countsRedemptionOn, delta: 1 }] : []),
      ...(settlement.result.redemptionDelta !== 0 && couponId && redemptionCounted
        ? [{ couponId, delta: -1 }]
        : []),
    ],
  });
  for (const [id] of facts.unsavedDiscounts()) facts.savedDiscounts.add(id);
  if (!inserted) {
    return { conversion: (await conversionByKey(trx, brandId, p)) ?? null, created: false };
  }

  if (pending && paymentIntentId) {
    await trx
      .deleteFrom("pending_refunds")
      .where("brand_id", "=", brandId)
      .where("payment_intent_id", "=", paymentIntentId)
      .execute();
  }
  await emitSettlement(trx, inserted, settlement.result, { created: true, previousRefunded: 0 });

  // Payments processed earlier without a conversion that this new binding now credits.
  if (newBinding && opts.fixups !== false) {
    for (const r of history) {
      if (r.key === p.key || !r.processed || !isBefore(newBinding.record, r)) continue;
      if (await conversionByKey(trx, brandId, r)) continue;
      await applyPayment(trx, facts, brandId, r, { fixups: false });
    }
  }
  return { conversion: inserted, created: true };
}

async function markProcessed(trx: DB, brandId: string, payment: PaymentRecord): Promise<void> {
  const row = await trx
    .selectFrom("stripe_customers")
    .select(["payments"])
    .where("brand_id", "=", brandId)
    .where("stripe_customer_id", "=", payment.customerId!)
    .executeTakeFirst();
  const merged = mergeHistory(row ? parseHistory(row.payments) : [], [
    { ...payment, processed: true },
  ]);
  await trx
    .insertInto("stripe_customers")
    .values({
      brand_id: brandId,
      stripe_customer_id: payment.customerId!,
      payments: JSON.stringify(merged),
      updated_at: new Date(),
    })
    .onConflict((oc) =>
      oc
        .columns(["brand_id", "stripe_customer_id"])
        .doUpdateSet({ payments: JSON.stringify(merged), updated_at: new Date() }),
    )
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Ledger and refunds

function parseTerms(value: unknown): CommissionTerms | null {
  if (!value || typeof value !== "object") return null;
  return value as CommissionTerms;
}

interface Settlement {
  result: LedgerAdjustmentResult;
  /** The nets after the new entries (the conversion's `commission_amount` / `override_amount`). */
  commissionAmount: number;
  overrideAmount: number;
}

/** What one conversion's ledger, refunded amount and status become for a refund figure (pure). */
function planSettlement(
  conversion: {
    amount: number;
    terms: CommissionTerms | null;
    refundedAmount: number;
    redemptionCounted: boolean;
  },
  refund: PendingRefund | null,
  ledger: readonly PostedEntry[],
): Settlement {
  const amount = conversion.amount;
  const share = refund
    ? refundedShareOfConversion({
        amount,
        chargeAmount: Math.max(refund.chargeAmount, amount),
        amountRefunded: refund.amountRefunded,
      })
    : 0;
  const result = computeLedgerAdjustments({
    amount,
    terms: conversion.terms,
    previousRefundedAmount: conversion.refundedAmount,
    refundedAmount: share,
    redemptionCounted: conversion.redemptionCounted,
    ledger,
  });
  const all = [...ledger, ...result.entries];
  const sum = (kinds: string[]) =>
    all.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount, 0);
  return {
    result,
    commissionAmount: sum(["commission", "clawback"]),
    overrideAmount: sum(["override", "override_clawback"]),
  };
}

/** Append ledger entries (one statement). */
async function postEntries(
  trx: DB,
  conversion: ConversionRow,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto("commission_entries")
    .values(
      entries.map((e) => ({
        brand_id: conversion.brand_id,
        conversion_id: conversion.id,
        affiliate_id: e.affiliateId,
        kind: e.kind,
        amount: e.amount,
        currency: e.currency,
      })),
    )
    .execute();
}

/** The counter release a settlement implies: -1 on the code when a counted conversion became fully refunded. */
function redemptionRelease(
  conversion: ConversionRow,
  result: LedgerAdjustmentResult,
): { couponId: string; delta: -1 }[] {
  return result.redemptionDelta !== 0 &&
    conversion.affiliate_coupon_id &&
    conversion.redemption_counted
    ? [{ couponId: conversion.affiliate_coupon_id, delta: -1 }]
    : [];
}

/**
 * Apply redemption counter changes: one atomic UPDATE per code (net of the changes), in code id
 * order. Never below 0.
 */
async function countRedemptions(
  trx: DB,
  brandId: string,
  changes: readonly { couponId: string; delta: number }[],
): Promise<void> {
  const net = new Map<string, number>();
  for (const ch of changes) net.set(ch.couponId, (net.get(ch.couponId) ?? 0) + ch.delta);
  for (const couponId of [...net.keys()].sort()) {
    const delta = net.get(couponId)!;
    if (delta === 0) continue;
    await trx
      .updateTable("affiliate_coupons")
      .set({
        redemption_count:
          delta > 0
            ? sql<number>`redemption_count + ${delta}`
            : sql<number>`greatest(redemption_count + ${delta}, 0)`,
      })
      .where("id", "=", couponId)
      .where("brand_id", "=", brandId)
      .execute();
  }
}

/**
 * Outbound webhooks for a settled conversion: `conversion.created` (on creation),
 * `conversion.refunded` (became fully refunded) or `conversion.updated` (partially refunded further).
 */
async function emitSettlement(
  trx: DB,
  conversion: ConversionRow,
  result: LedgerAdjustmentResult,
  opts: { created: boolean; previousRefunded: number },
): Promise<void> {
  const brandId = conversion.brand_id;
  if (opts.created)
    await emitConversionEvent(trx, { brandId, type: "conversion.created", conversion });
  if (result.becameRefunded)
    await emitConversionEvent(trx, { brandId, type: "conversion.refunded", conversion });
  else if (!opts.created && result.refundedAmount > opts.previousRefunded) {
    await emitConversionEvent(trx, { brandId, type: "conversion.updated", conversion });
  }
}

/**
 * Bring a recorded conversion's ledger, refunded amount, status and counter to what the refund
 * figure implies, and emit `conversion.refunded` / `conversion.updated` accordingly.
 */
async function settleLedger(
  trx: DB,
  conversion: ConversionRow,
  refund: PendingRefund,
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
  const { result } = settlement;
  await postEntries(trx, conversion, result.entries);
  const updated = await trx
    .updateTable("conversions")
    .set({
      refunded_amount: result.refundedAmount,
      status: result.status,
      commission_amount: settlement.commissionAmount,
      override_amount: settlement.overrideAmount,
      stripe_charge_id: conversion.stripe_charge_id ?? refund.chargeId,
      updated_at: new Date(),
    })
    .where("id", "=", conversion.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await countRedemptions(trx, conversion.brand_id, redemptionRelease(conversion, result));
  await emitSettlement(trx, updated, result, { created: false, previousRefunded: previous });
  return updated;
}

/** Remember which invoice a payment intent paid; apply a refund that was waiting for it. */
export async function linkPaymentIntent(
  trx: DB,
  brandId: string,
  conversion: ConversionRow,
  paymentIntentId: string,
) {
  const updated = await trx
    .updateTable("conversions")
    .set({ stripe_payment_intent_id: paymentIntentId, updated_at: new Date() })
    .where("id", "=", conversion.id)
    .where("stripe_payment_intent_id", "is", null)
    .returningAll()
    .executeTakeFirst();
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
  await trx
    .deleteFrom("pending_refunds")
    .where("brand_id", "=", brandId)
    .where("payment_intent_id", "=", paymentIntentId)
    .execute();
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
    await trx
      .updateTable("conversions")
      .set({ stripe_payment_intent_id: pi })
      .where("id", "=", conversion.id)
      .execute();
    conversion = { ...conversion, stripe_payment_intent_id: pi };
  }
  if (!conversion) {
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
    return;
  }
  await settleLedger(trx, conversion, {
    chargeId: charge.id,
    chargeAmount: charge.amount,
    amountRefunded: charge.amountRefunded,
  });
}
