/**
 * The conversion as the REST API, the CSV export's consumers and outbound webhooks show it
 * (DESIGN.md section 7). Pure: a row in, the contract's JSON out. It lives in the domain (not in
 * app/api/serializers) because outbound webhooks, built in services, send the same shape and
 * services must not import from the API layer.
 */
import type { AttributionMethod, ConversionStatus } from "./conversion-enums";

export interface ConversionJson {
  id: string;
  campaign_id: string | null;
  affiliate_id: string | null;
  attribution_method: AttributionMethod;
  coupon_code: string | null;
  amount: number;
  currency: string;
  commission_amount: number;
  refunded_amount: number;
  status: ConversionStatus;
  stripe: {
    customer_id: string | null;
    invoice_id: string | null;
    subscription_id: string | null;
    checkout_session_id: string | null;
    payment_intent_id: string | null;
  };
  decision: Record<string, unknown>;
  occurred_at: string;
  created_at: string;
}

/** The columns of a conversion row the JSON is built from (a `ConversionRow` has them all). */
export interface ConversionJsonSource {
  id: string;
  campaign_id: string | null;
  affiliate_id: string | null;
  attribution_method: AttributionMethod;
  coupon_code: string | null;
  amount: number | string;
  currency: string;
  commission_amount: number | string;
  refunded_amount: number | string;
  status: ConversionStatus;
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  stripe_subscription_id: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  decision: Record<string, unknown>;
  occurred_at: Date | string;
  created_at: Date | string;
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

export function conversionJson(row: ConversionJsonSource): ConversionJson {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    affiliate_id: row.affiliate_id,
    attribution_method: row.attribution_method,
    coupon_code: row.coupon_code,
    amount: Number(row.amount),
    currency: row.currency,
    commission_amount: Number(row.commission_amount),
    refunded_amount: Number(row.refunded_amount),
    status: row.status,
    stripe: {
      customer_id: row.stripe_customer_id,
      invoice_id: row.stripe_invoice_id,
      subscription_id: row.stripe_subscription_id,
      checkout_session_id: row.stripe_checkout_session_id,
      payment_intent_id: row.stripe_payment_intent_id,
    },
    decision: row.decision,
    occurred_at: iso(row.occurred_at),
    created_at: iso(row.created_at),
  };
}
