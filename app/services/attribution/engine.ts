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
 * All writes for one brand are serialised by a transaction-scoped advisory lock, so concurrent
 * workers never double-post (conversions are also unique per Stripe object id).
 */
import { sql } from "kysely";
import {
  type AttributionDecision,
  type ClickCandidate,
  type CouponCandidate,
  decideAttribution,
} from "~/domain/attribution";
import {
  type LedgerEntry,
  computeLedgerAdjustments,
  refundedShareOfConversion,
} from "~/domain/clawback";
import { buildDecisionRecord, type CommissionResult, type CommissionTerms, computeCommission } from "~/domain/commission";
import type { DB } from "~/db/db.server";
import type { ConversionRow, ReferralRow } from "~/db/schema";
import type { ChargeFacts } from "~/stripe/readers";
import { emitConversionEvent } from "./emit";
import { comparePayments, mergeHistory, parseHistory, type PaymentRecord } from "./history";
import { campaignTerms, earningParent, existingReferral, SignalResolver } from "./signals";
import type { CustomerScan, StripeFacts } from "./stripe-facts";

/** Serialise attribution writes of one brand (held until the transaction ends). */
export async function lockBrand(trx: DB, brandId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`rekomi:attribution:${brandId}`}, 0))`.execute(trx);
}

const toDate = (seconds: number) => new Date(seconds * 1000);
const toSeconds = (d: Date | string) => Math.floor((d instanceof Date ? d : new Date(d)).getTime() / 1000);

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
  resolver: SignalResolver;
}

function isBefore(a: PaymentRecord, b: Pick<PaymentRecord, "at" | "key">): boolean {
  return comparePayments(a, b) < 0;
}

/** Whether an earlier payment of the customer used the same affiliate code. */
function usedEarlier(history: readonly PaymentRecord[], resolver: SignalResolver, p: PaymentRecord, couponId: string) {
  return history.some((r) => isBefore(r, p) && resolver.couponOf(r)?.affiliateCouponId === couponId);
}

function boundKey(referral: ReferralRow) {
  return { at: toSeconds(referral.bound_at), key: referral.bound_payment_key };
}

export async function collectPayment(q: DB, facts: StripeFacts, brandId: string, payment: PaymentRecord): Promise<Collected> {
  const customerId = payment.customerId;
  const row = customerId
    ? await q
        .selectFrom("stripe_customers")
        .selectAll()
        .where("brand_id", "=", brandId)
        .where("stripe_customer_id", "=", customerId)
        .executeTakeFirst()
    : undefined;
  const referral = customerId
    ? ((await q
        .selectFrom("referrals")
        .selectAll()
        .where("brand_id", "=", brandId)
        .where("stripe_customer_id", "=", customerId)
        .executeTakeFirst()) ?? null)
    : null;
  let history = mergeHistory(row ? parseHistory(row.payments) : [], [payment]);
  const resolver = new SignalResolver(q, brandId, row?.click_ref ?? null);
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
        (coupon !== null && coupon.affiliateStatus === "approved") || (click !== null && !click.ineligibleReason);
      if (!referral) needScan = creditable;
      else if (referral.anchor_at === null && p.amount > 0 && !isBefore(p, boundKey(referral))) needScan = true;
      if (!needScan && coupon && !usedEarlier(history, resolver, p, coupon.affiliateCouponId)) needScan = true;
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
  return {
    payment: p,
    history,
    hadCustomerRow: row !== undefined,
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

function ownSignals(c: Collected, r: PaymentRecord): { click: ClickCandidate | null; coupon: CouponCandidate | null } {
  const couponInfo = c.resolver.couponOf(r);
  const already = couponInfo ? usedEarlier(c.history, c.resolver, r, couponInfo.affiliateCouponId) : false;
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

async function saveCustomer(trx: DB, brandId: string, c: Collected, history: PaymentRecord[]): Promise<void> {
  const customerId = c.payment.customerId;
  if (!customerId) return;
  const values = {
    brand_id: brandId,
    stripe_customer_id: customerId,
    payments: JSON.stringify(history),
    click_ref: c.resolver.customerClickRef,
    scanned_through: c.scannedThrough === null ? null : toDate(c.scannedThrough),
    updated_at: new Date(),
  };
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

export async function saveLearnedDiscounts(trx: DB, brandId: string, facts: StripeFacts): Promise<void> {
  if (facts.learnedDiscounts.size === 0) return;
  const rows = [...facts.learnedDiscounts].map(([discount_id, promotion_code_id]) => ({
    brand_id: brandId,
    discount_id,
    promotion_code_id,
  }));
  await trx
    .insertInto("stripe_discounts")
    .values(rows)
    .onConflict((oc) => oc.columns(["brand_id", "discount_id"]).doNothing())
    .execute();
}

async function conversionByKey(trx: DB, brandId: string, p: Pick<PaymentRecord, "key" | "kind">) {
  return trx
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where(p.kind === "invoice" ? "stripe_invoice_id" : "stripe_checkout_session_id", "=", p.key)
    .executeTakeFirst();
}

/**
 * Record the conversion of one payment (idempotent: an existing conversion is returned as is).
 * The caller holds the brand lock.
 */
export async function applyPayment(
  trx: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
  opts: { fixups?: boolean } = {},
): Promise<PaymentOutcome> {
  await saveLearnedDiscounts(trx, brandId, facts);
  const existing = await conversionByKey(trx, brandId, payment);
  if (existing) {
    if (payment.customerId) await markProcessed(trx, brandId, payment);
    if (!existing.stripe_payment_intent_id && payment.paymentIntentId) {
      await linkPaymentIntent(trx, brandId, existing, payment.paymentIntentId);
    }
    return { conversion: existing, created: false };
  }

  const c = await collectPayment(trx, facts, brandId, payment);
  const p = c.payment;
  let referral = c.referral;
  let newBinding: BindingPlan | null = null;
  if (!referral && p.customerId) {
    newBinding = findBinding(c, p);
    if (newBinding) {
      const w = newBinding.decision.winner!;
      await trx
        .insertInto("referrals")
        .values({
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
        })
        .onConflict((oc) => oc.columns(["brand_id", "stripe_customer_id"]).doNothing())
        .execute();
      referral =
        (await trx
          .selectFrom("referrals")
          .selectAll()
          .where("brand_id", "=", brandId)
          .where("stripe_customer_id", "=", p.customerId)
          .executeTakeFirst()) ?? null;
    }
  }

  // The decision for P.
  const own = ownSignals(c, p);
  let decision: AttributionDecision;
  if (referral && referral.bound_payment_key === p.key) {
    decision = decideAttribution({ clickCandidate: own.click, couponCandidate: own.coupon });
  } else if (referral && !isBefore(p, boundKey(referral))) {
    decision = decideAttribution({
      existingReferral: await existingReferral(trx, referral),
      clickCandidate: own.click,
      couponCandidate: own.coupon,
    });
  } else {
    // Before the binding (or no binding): the payment's own signals could not credit anyone when
    // the binding was made; if eligibility changed since, they still must not re-bind.
    const mark = <T extends { ineligibleReason?: string | null }>(x: T | null): T | null =>
      x && referral ? { ...x, ineligibleReason: x.ineligibleReason ?? "precedes_binding" } : x;
    decision = decideAttribution({ clickCandidate: mark(own.click), couponCandidate: mark(own.coupon) });
  }

  const history = c.history.map((r) => (r.key === p.key ? { ...r, processed: true } : r));
  const winner = decision.winner;
  if (!winner && !decision.countsRedemptionOn) {
    await saveCustomer(trx, brandId, c, history);
    return { conversion: null, created: false };
  }

  // Recurring anchor: the earliest paid payment at or after the binding (persisted once known).
  let anchor: number | null = null;
  let anchorIsP = false;
  if (winner && referral) {
    if (referral.anchor_at) anchor = toSeconds(referral.anchor_at);
    else {
      const bound = boundKey(referral);
      const first = c.history.find((r) => !isBefore(r, bound) && comparePayments(r, p) <= 0 && r.amount > 0);
      if (first) {
        anchor = first.periodStart;
        anchorIsP = first.key === p.key;
        await trx
          .updateTable("referrals")
          .set({ anchor_at: toDate(first.periodStart) })
          .where("id", "=", referral.id)
          .where("anchor_at", "is", null)
          .execute();
      }
    }
  }

  let result: CommissionResult | null = null;
  if (winner) {
    const campaign = await campaignTerms(trx, brandId, winner.campaignId);
    if (campaign) {
      result = computeCommission({
        amount: p.amount,
        currency: p.currency,
        affiliateId: winner.affiliateId,
        campaignCommission: campaign.commission,
        codeCommissionBps: winner.commissionRateBps,
        overrideBps: campaign.overrideBps,
        parentAffiliateId: await earningParent(trx, brandId, winner.affiliateId),
        recurring: {
          recurringMonths: campaign.recurringMonths,
          anchor: anchor === null || anchorIsP ? null : toDate(anchor),
          periodStart: toDate(p.periodStart),
        },
      });
    }
  }
  const record = buildDecisionRecord(decision, result);

  // The payment intent (for refunds): on the record, or learned from invoice_payment.paid.
  let paymentIntentId = p.paymentIntentId;
  if (!paymentIntentId && p.kind === "invoice") {
    const link = await trx
      .selectFrom("stripe_payment_intents")
      .select("payment_intent_id")
      .where("brand_id", "=", brandId)
      .where("invoice_id", "=", p.key)
      .executeTakeFirst();
    paymentIntentId = link?.payment_intent_id ?? null;
  }

  const usedCoupon = own.coupon ?? null;
  const couponId = usedCoupon?.affiliateCouponId ?? winner?.affiliateCouponId ?? null;
  const couponCode =
    usedCoupon?.code ??
    (couponId ? ((await trx.selectFrom("affiliate_coupons").select("code").where("id", "=", couponId).executeTakeFirst())?.code ?? null) : null);
  const method = winner?.method ?? (usedCoupon ? "coupon" : "link");

  const inserted = await trx
    .insertInto("conversions")
    .values({
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
      commission_amount: 0,
      override_amount: 0,
      stripe_customer_id: p.customerId,
      stripe_invoice_id: p.kind === "invoice" ? p.key : null,
      stripe_subscription_id: p.subscriptionId,
      stripe_checkout_session_id: p.sessionId,
      stripe_payment_intent_id: paymentIntentId,
      decision: JSON.stringify(record),
      terms: JSON.stringify(result ? result.terms : null),
      redemption_counted: decision.countsRedemptionOn !== null,
      period_start: toDate(p.periodStart),
      occurred_at: toDate(p.at),
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  await saveCustomer(trx, brandId, c, history);
  if (!inserted) {
    return { conversion: (await conversionByKey(trx, brandId, p)) ?? null, created: false };
  }

  if (decision.countsRedemptionOn) {
    await trx
      .updateTable("affiliate_coupons")
      .set({ redemption_count: sql<number>`redemption_count + 1` })
      .where("id", "=", decision.countsRedemptionOn)
      .where("brand_id", "=", brandId)
      .execute();
  }

  // Post the ledger, applying a refund that arrived before the conversion.
  const pending = paymentIntentId
    ? await trx
        .selectFrom("pending_refunds")
        .selectAll()
        .where("brand_id", "=", brandId)
        .where("payment_intent_id", "=", paymentIntentId)
        .executeTakeFirst()
    : undefined;
  const conversion = await settleLedger(trx, inserted, pending ? { chargeId: pending.charge_id, chargeAmount: Number(pending.charge_amount), amountRefunded: Number(pending.amount_refunded) } : null, {
    created: true,
  });
  if (pending) {
    await trx
      .deleteFrom("pending_refunds")
      .where("brand_id", "=", brandId)
      .where("payment_intent_id", "=", pending.payment_intent_id)
      .execute();
  }

  // Payments processed earlier without a conversion that this new binding now credits.
  if (newBinding && opts.fixups !== false) {
    for (const r of history) {
      if (r.key === p.key || !r.processed || !isBefore(newBinding.record, r)) continue;
      if (await conversionByKey(trx, brandId, r)) continue;
      await applyPayment(trx, facts, brandId, r, { fixups: false });
    }
  }
  return { conversion, created: true };
}

async function markProcessed(trx: DB, brandId: string, payment: PaymentRecord): Promise<void> {
  const row = await trx
    .selectFrom("stripe_customers")
    .select(["payments"])
    .where("brand_id", "=", brandId)
    .where("stripe_customer_id", "=", payment.customerId!)
    .executeTakeFirst();
  const merged = mergeHistory(row ? parseHistory(row.payments) : [], [{ ...payment, processed: true }]);
  await trx
    .insertInto("stripe_customers")
    .values({ brand_id: brandId, stripe_customer_id: payment.customerId!, payments: JSON.stringify(merged), updated_at: new Date() })
    .onConflict((oc) => oc.columns(["brand_id", "stripe_customer_id"]).doUpdateSet({ payments: JSON.stringify(merged), updated_at: new Date() }))
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Ledger and refunds

function parseTerms(value: unknown): CommissionTerms | null {
  if (!value || typeof value !== "object") return null;
  return value as CommissionTerms;
}

/**
 * Bring one conversion's ledger, refunded amount, status and counter to what the refund figure
 * implies (the conversion's own commission entries are posted here too, on creation). Emits
 * `conversion.created` (on creation), `conversion.refunded` (became fully refunded) or
 * `conversion.updated` (partially refunded further).
 */
async function settleLedger(
  trx: DB,
  conversion: ConversionRow,
  refund: { chargeId: string; chargeAmount: number; amountRefunded: number } | null,
  opts: { created: boolean },
): Promise<ConversionRow> {
  const amount = Number(conversion.amount);
  const ledger = opts.created
    ? []
    : await trx
        .selectFrom("commission_entries")
        .select(["kind", "amount", "affiliate_id", "currency"])
        .where("conversion_id", "=", conversion.id)
        .execute();
  const share = refund
    ? refundedShareOfConversion({ amount, chargeAmount: Math.max(refund.chargeAmount, amount), amountRefunded: refund.amountRefunded })
    : 0;
  const previous = Number(conversion.refunded_amount);
  const result = computeLedgerAdjustments({
    amount,
    terms: parseTerms(conversion.terms),
    previousRefundedAmount: previous,
    refundedAmount: share,
    redemptionCounted: conversion.redemption_counted,
    ledger: ledger.map((e) => ({ kind: e.kind, amount: Number(e.amount) })),
  });
  if (result.entries.length > 0) {
    await trx
      .insertInto("commission_entries")
      .values(
        result.entries.map((e: LedgerEntry) => ({
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
  const all = [...ledger.map((e) => ({ kind: e.kind, amount: Number(e.amount) })), ...result.entries];
  const sum = (kinds: string[]) => all.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount, 0);
  const updated = await trx
    .updateTable("conversions")
    .set({
      refunded_amount: result.refundedAmount,
      status: result.status,
      commission_amount: sum(["commission", "clawback"]),
      override_amount: sum(["override", "override_clawback"]),
      stripe_charge_id: conversion.stripe_charge_id ?? refund?.chargeId ?? null,
      updated_at: new Date(),
    })
    .where("id", "=", conversion.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (result.redemptionDelta !== 0 && conversion.affiliate_coupon_id && conversion.redemption_counted) {
    await trx
      .updateTable("affiliate_coupons")
      .set({ redemption_count: sql<number>`greatest(redemption_count - 1, 0)` })
      .where("id", "=", conversion.affiliate_coupon_id)
      .where("brand_id", "=", conversion.brand_id)
      .execute();
  }
  const brandId = conversion.brand_id;
  if (opts.created) await emitConversionEvent(trx, { brandId, type: "conversion.created", conversion: updated });
  if (result.becameRefunded) await emitConversionEvent(trx, { brandId, type: "conversion.refunded", conversion: updated });
  else if (!opts.created && result.refundedAmount > previous) {
    await emitConversionEvent(trx, { brandId, type: "conversion.updated", conversion: updated });
  }
  return updated;
}

/** Remember which invoice a payment intent paid; apply a refund that was waiting for it. */
export async function linkPaymentIntent(trx: DB, brandId: string, conversion: ConversionRow, paymentIntentId: string) {
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
  await settleLedger(
    trx,
    updated,
    { chargeId: pending.charge_id, chargeAmount: Number(pending.charge_amount), amountRefunded: Number(pending.amount_refunded) },
    { created: false },
  );
  await trx.deleteFrom("pending_refunds").where("brand_id", "=", brandId).where("payment_intent_id", "=", paymentIntentId).execute();
}

/** `invoice_payment.paid`: payment intent -> invoice (cached), linked to the conversion if any. */
export async function applyInvoicePayment(trx: DB, brandId: string, invoiceId: string, paymentIntentId: string) {
  await trx
    .insertInto("stripe_payment_intents")
    .values({ brand_id: brandId, payment_intent_id: paymentIntentId, invoice_id: invoiceId })
    .onConflict((oc) => oc.columns(["brand_id", "payment_intent_id"]).doUpdateSet({ invoice_id: invoiceId }))
    .execute();
  const conversion = await conversionByKey(trx, brandId, { kind: "invoice", key: invoiceId });
  if (conversion && !conversion.stripe_payment_intent_id) await linkPaymentIntent(trx, brandId, conversion, paymentIntentId);
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
  const conversion = link.invoice_id ? await conversionByKey(q, brandId, { kind: "invoice", key: link.invoice_id }) : undefined;
  return { conversion: conversion ?? null, invoiceId: link.invoice_id, known: true };
}

/**
 * `charge.refunded`: set the refunded amount from the cumulative figure and post clawbacks; a
 * refund whose conversion is not recorded yet is kept (largest figure) and applied when it lands.
 */
export async function applyChargeRefund(trx: DB, facts: StripeFacts, brandId: string, charge: ChargeFacts): Promise<void> {
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
  await settleLedger(trx, conversion, { chargeId: charge.id, chargeAmount: charge.amount, amountRefunded: charge.amountRefunded }, { created: false });
}
