/**
 * Shapes of the objects the emulator stores and returns. They follow the pinned SDK types
 * (`node_modules/stripe/esm/resources/*.d.ts`, API version 2026-10-28.endive) for the fields
 * Rekomi uses; references to other objects are ids (expanded at render time).
 */

export type Metadata = Record<string, string>;

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

export type CouponDuration = "once" | "repeating" | "forever";

export interface CouponObject {
  id: string;
  object: "coupon";
  amount_off: number | null;
  created: number;
  currency: string | null;
  duration: CouponDuration;
  duration_in_months: number | null;
  livemode: boolean;
  max_redemptions: number | null;
  metadata: Metadata;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

export interface PromotionCodeObject {
  id: string;
  object: "promotion_code";
  active: boolean;
  code: string;
  created: number;
  customer: string | null;
  customer_account: string | null;
  expires_at: number | null;
  livemode: boolean;
  max_redemptions: number | null;
  metadata: Metadata;
  promotion: { type: "coupon"; coupon: string };
  restrictions: {
    currency_options?: Record<string, { minimum_amount: number }>;
    first_time_transaction: boolean;
    minimum_amount: number | null;
    minimum_amount_currency: string | null;
  };
  times_redeemed: number;
}

export interface DiscountObject {
  id: string;
  object: "discount";
  checkout_session: string | null;
  customer: string | null;
  customer_account: string | null;
  end: number | null;
  invoice: string | null;
  invoice_item: string | null;
  promotion_code: string | null;
  source: { type: "coupon"; coupon: string };
  start: number;
  subscription: string | null;
  subscription_item: string | null;
}

export interface CustomerObject {
  id: string;
  object: "customer";
  address: null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: string | null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: boolean;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
}

export interface PriceObject {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: "per_unit";
  created: number;
  currency: string;
  livemode: boolean;
  lookup_key: null;
  metadata: Metadata;
  nickname: null;
  product: string;
  recurring: {
    interval: "day" | "week" | "month" | "year";
    interval_count: number;
    meter: null;
    usage_type: "licensed";
  } | null;
  tax_behavior: "exclusive";
  type: "one_time" | "recurring";
  unit_amount: number;
  unit_amount_decimal: string;
}

export interface SubscriptionItemObject {
  id: string;
  object: "subscription_item";
  created: number;
  current_period_end: number;
  current_period_start: number;
  discounts: string[];
  metadata: Metadata;
  price: PriceObject;
  quantity: number;
  subscription: string;
  tax_rates: JsonObject[];
}

export interface SubscriptionObject {
  id: string;
  object: "subscription";
  application: null;
  application_fee_percent: null;
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  collection_method: "charge_automatically";
  created: number;
  currency: string;
  customer: string;
  customer_account: null;
  days_until_due: null;
  default_payment_method: string | null;
  description: null;
  discounts: string[];
  ended_at: number | null;
  items: ListObject<SubscriptionItemObject>;
  latest_invoice: string | null;
  livemode: boolean;
  metadata: Metadata;
  start_date: number;
  status: "active" | "canceled";
  test_clock: null;
  trial_end: null;
  trial_start: null;
}

export interface TaxEntry {
  amount: number;
  tax_behavior: "exclusive";
  tax_rate_details: { tax_rate: string } | null;
  taxability_reason: "standard_rated";
  taxable_amount: number;
  type: "tax_rate_details";
}

export interface InvoiceLineItemObject {
  id: string;
  object: "line_item";
  amount: number;
  currency: string;
  description: string;
  discount_amounts: { amount: number; discount: string }[];
  discountable: boolean;
  discounts: string[];
  invoice: string;
  livemode: boolean;
  metadata: Metadata;
  parent: {
    type: "subscription_item_details";
    invoice_item_details: null;
    subscription_item_details: {
      invoice_item: null;
      proration: boolean;
      proration_details: { credited_items: null };
      subscription: string;
      subscription_item: string;
    };
  };
  period: { start: number; end: number };
  pretax_credit_amounts: { amount: number; discount: string; type: "discount" }[];
  pricing: {
    type: "price_details";
    price_details: { price: string; product: string };
    unit_amount_decimal: string;
  };
  quantity: number;
  quantity_decimal: string;
  subscription: string;
  subtotal: number;
  taxes: TaxEntry[];
}

export type BillingReason = "subscription_create" | "subscription_cycle";

export interface InvoiceObject {
  id: string;
  object: "invoice";
  account_country: string;
  account_name: string;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: {
    disabled_reason: null;
    enabled: boolean;
    liability: null;
    provider: null;
    status: null;
  };
  billing_reason: BillingReason;
  collection_method: "charge_automatically";
  created: number;
  currency: string;
  customer: string;
  customer_account: null;
  customer_email: string | null;
  customer_name: string | null;
  default_payment_method: null;
  description: null;
  discounts: string[];
  due_date: null;
  effective_at: number;
  ending_balance: number;
  hosted_invoice_url: string;
  invoice_pdf: string;
  lines: ListObject<InvoiceLineItemObject>;
  livemode: boolean;
  metadata: Metadata;
  next_payment_attempt: null;
  number: string;
  parent: {
    type: "subscription_details";
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
  };
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  receipt_number: null;
  starting_balance: number;
  status: "draft" | "open" | "paid" | "void" | "uncollectible";
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: null;
    paid_at: number | null;
    voided_at: null;
  };
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: null;
  total: number;
  total_discount_amounts: { amount: number; discount: string }[];
  total_excluding_tax: number;
  total_pretax_credit_amounts: { amount: number; discount: string; type: "discount" }[];
  total_taxes: TaxEntry[];
  webhooks_delivered_at: number | null;
}

export interface InvoicePaymentObject {
  id: string;
  object: "invoice_payment";
  amount_paid: number;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: boolean;
  payment: { type: "payment_intent"; payment_intent: string };
  status: "paid" | "open" | "canceled";
  status_transitions: { canceled_at: null; paid_at: number | null };
}

export interface PaymentIntentObject {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: null;
  canceled_at: null;
  cancellation_reason: null;
  capture_method: "automatic";
  client_secret: string;
  confirmation_method: "automatic";
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  description: string | null;
  last_payment_error: null;
  latest_charge: string | null;
  livemode: boolean;
  metadata: Metadata;
  next_action: null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_types: string[];
  receipt_email: string | null;
  review: null;
  setup_future_usage: null;
  shipping: null;
  source: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: "succeeded";
  transfer_group: null;
}

export interface ChargeObject {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: {
    address: null;
    email: string | null;
    name: string | null;
    phone: null;
  };
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: null;
  failure_message: null;
  fraud_details: Record<string, never>;
  livemode: boolean;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: { network_status: string; risk_level: string; seller_message: string; type: string };
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: "succeeded";
  transfer_data: null;
  transfer_group: null;
}

export interface RefundObject {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  metadata: Metadata;
  payment_intent: string | null;
  payment_method: string | null;
  reason: "duplicate" | "fraudulent" | "requested_by_customer" | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: "succeeded";
  transfer_reversal: null;
}

export interface TaxRateObject {
  id: string;
  object: "tax_rate";
  active: boolean;
  country: null;
  created: number;
  description: null;
  display_name: string;
  effective_percentage: number;
  flat_amount: null;
  inclusive: boolean;
  jurisdiction: null;
  jurisdiction_level: null;
  livemode: boolean;
  metadata: Metadata;
  percentage: number;
  rate_type: "percentage";
  state: null;
  tax_type: "sales_tax";
}

export interface CheckoutSessionObject {
  id: string;
  object: "checkout.session";
  allow_promotion_codes: boolean;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: boolean; liability: null; provider: null; status: null };
  billing_address_collection: null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  created: number;
  currency: string;
  customer: string;
  customer_account: null;
  customer_creation: "always" | null;
  customer_details: {
    address: null;
    email: string | null;
    name: string | null;
    phone: null;
    tax_exempt: "none";
    tax_ids: [];
  };
  customer_email: string | null;
  discounts: { coupon: string | null; promotion_code: string | null }[];
  expires_at: number;
  invoice: string | null;
  livemode: boolean;
  locale: null;
  metadata: Metadata;
  mode: "payment" | "subscription";
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: "always";
  payment_method_types: string[];
  payment_status: "paid" | "unpaid" | "no_payment_required";
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: "complete" | "open" | "expired";
  submit_type: null;
  subscription: string | null;
  success_url: string | null;
  total_details: {
    amount_discount: number;
    amount_shipping: number;
    amount_tax: number;
    /** Only returned when `expand[]=total_details.breakdown` is requested. */
    breakdown?: {
      discounts: { amount: number; discount: DiscountObject }[];
      taxes: {
        amount: number;
        rate: TaxRateObject;
        taxability_reason: "standard_rated";
        taxable_amount: number;
      }[];
    };
  };
  ui_mode: "hosted";
  url: null;
}

export interface WebhookEndpointObject {
  id: string;
  object: "webhook_endpoint";
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: boolean;
  metadata: Metadata;
  secret?: string;
  status: "enabled" | "disabled";
  url: string;
}

export interface EventObject {
  id: string;
  object: "event";
  account?: string;
  api_version: string;
  context?: string;
  created: number;
  data: { object: JsonObject; previous_attributes?: JsonObject };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}
