/**
 * The ledger writer: the ONLY code that writes conversions, commission (ledger) entries,
 * redemption counters and `stripe_customers`. A payment plan (app/domain/payment-plan.ts) is
 * applied in ONE statement (data-modifying CTEs); a refund's settlement in three. Every function
 * takes the caller's transaction and only writes, so several plans can be applied in one
 * transaction (`writePayments`), in the order given. Emitting webhooks stays with the caller.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { ConversionRow, ReferralRow } from "~/db/schema";
import type { LedgerEntry } from "~/domain/clawback";
import type { PaymentRecord } from "~/domain/payment-history";
import type { ConversionValues, CustomerWrite } from "~/domain/payment-plan";
import type { CounterDelta, Settlement } from "~/domain/settlement";

/** One payment's writes: a plan's rows plus the discount -> promotion code pairs learned. */
export interface PaymentWrite {
  brandId: string;
  referral: ReferralRow | null;
  referralAnchor: { referralId: string; anchorAt: Date } | null;
  /** Null: no conversion (only the referral and the customer are written). */
  conversion: ConversionValues | null;
  entries: readonly LedgerEntry[];
  customer: CustomerWrite | null;
  discounts: readonly (readonly [string, string | null])[];
  counters: readonly CounterDelta[];
}

type Row = Record<string, unknown>;

/** `(col, ...) values (v, ...)` for one row (values as parameters; Postgres types them by column). */
function valuesOf(row: Row) {
  const cols = Object.keys(row);
  return sql`(${sql.join(cols.map((c) => sql.ref(c)))}) values (${sql.join(cols.map((c) => sql`${row[c]}`))})`;
}

const toDate = (seconds: number) => new Date(seconds * 1000);

function customerRow(c: CustomerWrite) {
  return {
    brand_id: c.brandId,
    stripe_customer_id: c.customerId,
    payments: JSON.stringify(c.payments),
    click_ref: c.clickRef,
    scanned_through: c.scannedThrough === null ? null : toDate(c.scannedThrough),
    updated_at: new Date(),
  };
}

/** Net of the changes per code, in code id order (one atomic update each; zero nets skipped). */
function netCounters(changes: readonly CounterDelta[]): CounterDelta[] {
  const net = new Map<string, number>();
  for (const ch of changes) net.set(ch.couponId, (net.get(ch.couponId) ?? 0) + ch.delta);
  return [...net.keys()]
    .sort()
    .map((couponId) => ({ couponId, delta: net.get(couponId)! }))
    .filter((c) => c.delta !== 0);
}

const counterValue = (delta: number) =>
  delta > 0
    ? sql`redemption_count + ${delta}::int`
    : sql`greatest(redemption_count + ${delta}::int, 0)`;

function entryRows(entries: readonly LedgerEntry[]) {
  return entries.map(
    (e) => sql`(${e.affiliateId}::uuid, ${e.kind}::text, ${e.amount}::bigint, ${e.currency}::text)`,
  );
}

/**
 * One payment in ONE statement: the referral it binds (if new) or its anchor, the conversion
 * (unique per Stripe object or external id: on conflict nothing is written but the customer row),
 * its ledger entries, the customer's payments, learned discounts and the redemption counters
 * (only when the conversion was inserted). Returns the conversion, or undefined when none was
 * inserted (it existed already, or the write has none).
 */
export async function writePayment(trx: DB, w: PaymentWrite): Promise<ConversionRow | undefined> {
  const ctes = [];
  if (w.referral)
    ctes.push(sql`ref as (insert into referrals ${valuesOf(w.referral)} returning id)`);
  if (w.referralAnchor)
    ctes.push(sql`anc as (update referrals set anchor_at = ${w.referralAnchor.anchorAt}
      where id = ${w.referralAnchor.referralId} and anchor_at is null)`);
  if (w.conversion)
    ctes.push(
      sql`conv as (insert into conversions ${valuesOf(w.conversion)} on conflict do nothing returning *)`,
    );
  if (w.conversion && w.entries.length > 0)
    ctes.push(sql`led as (insert into commission_entries (brand_id, conversion_id, affiliate_id, kind, amount, currency)
      select conv.brand_id, conv.id, e.affiliate_id, e.kind, e.amount, e.currency
        from conv cross join (values ${sql.join(entryRows(w.entries))}) as e(affiliate_id, kind, amount, currency))`);
  if (w.customer)
    ctes.push(sql`cust as (insert into stripe_customers ${valuesOf(customerRow(w.customer))}
      on conflict (brand_id, stripe_customer_id) do update set payments = excluded.payments, click_ref = excluded.click_ref,
         scanned_through = excluded.scanned_through, updated_at = excluded.updated_at)`);
  if (w.discounts.length > 0) {
    const rows = w.discounts.map(
      ([d, promo]) => sql`(${w.brandId}::uuid, ${d}::text, ${promo}::text)`,
    );
    ctes.push(sql`disc as (insert into stripe_discounts (brand_id, discount_id, promotion_code_id) values ${sql.join(rows)}
      on conflict (brand_id, discount_id) do nothing)`);
  }
  if (w.conversion)
    netCounters(w.counters).forEach(({ couponId, delta }, i) =>
      ctes.push(sql`${sql.raw(`cnt${i}`)} as (update affiliate_coupons set redemption_count = ${counterValue(delta)}
      where id = ${couponId} and brand_id = ${w.brandId} and exists (select 1 from conv))`),
    );
  if (ctes.length === 0) return undefined;
  const tail = w.conversion ? sql`select * from conv` : sql`select null`;
  const { rows } = await sql<ConversionRow>`with ${sql.join(ctes)} ${tail}`.execute(trx);
  return w.conversion ? rows[0] : undefined;
}

/** Several payments in one transaction, in order (the batched processing of events). */
export async function writePayments(
  trx: DB,
  writes: readonly PaymentWrite[],
): Promise<(ConversionRow | undefined)[]> {
  const out: (ConversionRow | undefined)[] = [];
  for (const w of writes) out.push(await writePayment(trx, w));
  return out;
}

/**
 * A recorded conversion's settlement (a refund): its new ledger entries, refunded amount, status,
 * nets and charge, and the redemption counter release. Returns the updated conversion.
 */
export async function writeSettlement(
  trx: DB,
  conversion: ConversionRow,
  settlement: Settlement,
  chargeId: string,
  counters: readonly CounterDelta[],
): Promise<ConversionRow> {
  const { result } = settlement;
  if (result.entries.length > 0)
    await sql`insert into commission_entries (brand_id, conversion_id, affiliate_id, kind, amount, currency)
      select ${conversion.brand_id}::uuid, ${conversion.id}::uuid, e.affiliate_id, e.kind, e.amount, e.currency
        from (values ${sql.join(entryRows(result.entries))}) as e(affiliate_id, kind, amount, currency)`.execute(
      trx,
    );
  const updated = await trx
    .updateTable("conversions")
    .set({
      refunded_amount: result.refundedAmount,
      status: result.status,
      commission_amount: settlement.commissionAmount,
      override_amount: settlement.overrideAmount,
      stripe_charge_id: conversion.stripe_charge_id ?? chargeId,
      updated_at: new Date(),
    })
    .where("id", "=", conversion.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const { couponId, delta } of netCounters(counters))
    await sql`update affiliate_coupons set redemption_count = ${counterValue(delta)}
      where id = ${couponId} and brand_id = ${conversion.brand_id}`.execute(trx);
  return updated;
}

/**
 * Remember the payment intent of a conversion that has none yet. `touch`: also move `updated_at`
 * (the `invoice_payment.paid` link does; a refund naming it does not). Returns the updated row,
 * or undefined when the conversion already had one.
 */
export async function writeConversionPaymentIntent(
  trx: DB,
  conversionId: string,
  paymentIntentId: string,
  opts: { touch: boolean },
): Promise<ConversionRow | undefined> {
  return trx
    .updateTable("conversions")
    .set(
      opts.touch
        ? { stripe_payment_intent_id: paymentIntentId, updated_at: new Date() }
        : { stripe_payment_intent_id: paymentIntentId },
    )
    .where("id", "=", conversionId)
    .where("stripe_payment_intent_id", "is", null)
    .returningAll()
    .executeTakeFirst();
}

/** Store a customer's known payments (its other columns kept; the row is created if missing). */
export async function writeCustomerPayments(
  trx: DB,
  brandId: string,
  customerId: string,
  payments: readonly PaymentRecord[],
): Promise<void> {
  const json = JSON.stringify(payments);
  await trx
    .insertInto("stripe_customers")
    .values({
      brand_id: brandId,
      stripe_customer_id: customerId,
      payments: json,
      updated_at: new Date(),
    })
    .onConflict((oc) =>
      oc
        .columns(["brand_id", "stripe_customer_id"])
        .doUpdateSet({ payments: json, updated_at: new Date() }),
    )
    .execute();
}

/** Persist discount -> promotion code pairs (an immutable cache: insert, never update). */
export async function writeLearnedDiscounts(
  q: DB,
  brandId: string,
  pairs: readonly (readonly [string, string | null])[],
): Promise<void> {
  if (pairs.length === 0) return;
  await q
    .insertInto("stripe_discounts")
    .values(
      pairs.map(([discount_id, promotion_code_id]) => ({
        brand_id: brandId,
        discount_id,
        promotion_code_id,
      })),
    )
    .onConflict((oc) => oc.columns(["brand_id", "discount_id"]).doNothing())
    .execute();
}
