/**
 * What the database holds about one payment and its customer, read in ONE round trip
 * (`rekomi_attribution_state`, migration 0010: its plan is cached per connection) and parsed once
 * by a typed row schema. Read under the customer's lock in the apply phase, and without a lock by
 * the gather phase (to learn which Stripe reads the payment needs).
 */
import { sql } from "kysely";
import { z } from "zod";
import type { DB } from "~/db/db.server";
import type { AffiliateStatus, ConversionRow, ReferralRow } from "~/db/schema";
import { ATTRIBUTION_METHODS } from "~/domain/conversion-enums";
import type { PaymentRecord } from "~/domain/payment-history";
import type { RefundFigure } from "~/domain/settlement";
import type { SubscriptionSignals } from "./signals";

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
  pendingRefund: RefundFigure | null;
  /** The signals stored for the payment's subscription (first invoices only; null: none stored). */
  subscription: { id: string; signals: SubscriptionSignals | null } | null;
}

const text = z.string().nullable();
const uuid = z.string().nullable();
const time = z.date().nullable();
/** bigint columns arrive as strings. */
const bigint = z
  .union([z.number(), z.string()])
  .nullable()
  .transform((v) => (v === null ? null : Number(v)));

/** One row of `rekomi_attribution_state` (its 25 columns, migration 0010). */
const stateRow = z.object({
  conversion_id: uuid,
  has_customer: z.boolean().nullable(),
  payments: z.unknown(),
  click_ref: text,
  scanned_through: time,
  r_id: uuid,
  r_stripe_customer_id: text,
  r_affiliate_id: uuid,
  r_campaign_id: uuid,
  r_method: z.enum(ATTRIBUTION_METHODS).nullable(),
  r_affiliate_coupon_id: uuid,
  r_click_id: uuid,
  r_commission_rate_bps: z.number().nullable(),
  r_bound_payment_key: text,
  r_bound_at: time,
  r_anchor_at: time,
  r_created_at: time,
  r_affiliate_status: z.enum(["pending", "approved", "rejected", "suspended"]).nullable(),
  pi: text,
  pr_charge_id: text,
  pr_charge_amount: bigint,
  pr_amount_refunded: bigint,
  sub_found: z.boolean().nullable(),
  sub_promotion_code_ids: z.unknown(),
  sub_click_ref: text,
});
type StateRow = z.infer<typeof stateRow>;

function referralOf(brandId: string, x: StateRow): ReferralRow | null {
  if (!x.r_id) return null;
  return {
    id: x.r_id,
    brand_id: brandId,
    stripe_customer_id: x.r_stripe_customer_id!,
    affiliate_id: x.r_affiliate_id!,
    campaign_id: x.r_campaign_id!,
    method: x.r_method!,
    affiliate_coupon_id: x.r_affiliate_coupon_id,
    click_id: x.r_click_id,
    commission_rate_bps: x.r_commission_rate_bps,
    bound_payment_key: x.r_bound_payment_key!,
    bound_at: x.r_bound_at!,
    anchor_at: x.r_anchor_at,
    created_at: x.r_created_at!,
  };
}

function stateOf(brandId: string, subscriptionId: string | null, x: StateRow): PaymentState {
  const promos = x.sub_promotion_code_ids;
  return {
    subscription: subscriptionId
      ? {
          id: subscriptionId,
          signals: x.sub_found
            ? {
                promotionCodeIds: Array.isArray(promos) ? (promos as string[]) : [],
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
    referral: referralOf(brandId, x),
    referralAffiliateStatus: x.r_affiliate_status,
  };
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
  const { rows } = await sql<unknown>`
    select * from rekomi_attribution_state(${brandId}, ${p.kind === "invoice" ? p.key : null}, ${p.kind === "session" ? p.key : null},
      ${p.customerId}, ${p.paymentIntentId ?? null}, ${subscriptionId})`.execute(q);
  return stateOf(brandId, subscriptionId, stateRow.parse(rows[0]));
}

/** Whether collecting this payment will list the customer from Stripe whatever it carries. */
export function scanIsCertain(state: PaymentState, customerId: string | null): boolean {
  return (
    customerId !== null && (state.customer === null || state.customer.scanned_through === null)
  );
}

/** A payment's recorded conversion (unique per invoice / Checkout Session). */
export async function conversionByKey(
  q: DB,
  brandId: string,
  p: Pick<PaymentRecord, "key" | "kind">,
): Promise<ConversionRow | undefined> {
  return q
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where(p.kind === "invoice" ? "stripe_invoice_id" : "stripe_checkout_session_id", "=", p.key)
    .executeTakeFirst();
}
