/**
 * Simulations of what Stripe does when a customer pays: checkout (subscription or one-off
 * payment), subscription renewals and refunds. They create the objects and the events Stripe
 * would send, then deliver those events to the account's webhook endpoints.
 */
import {
  addInterval,
  computeTotals,
  createDiscount,
  discountApplies,
  redeem,
  resolvePromotionCode,
  type Interval,
  type Totals,
} from "./discounts.js";
import { invalidRequest, resourceMissing } from "./errors.js";
import { createEvent, type DeliveryRecord } from "./events.js";
import type { Emulator } from "./emulator.js";
import { newId, nowSeconds, randomString } from "./ids.js";
import { createCustomer, getCustomer } from "./resources/customers.js";
import { createRefund } from "./resources/payments.js";
import type { Account, SubscriptionBilling } from "./state.js";
import type {
  BillingReason,
  ChargeObject,
  CheckoutSessionObject,
  CouponObject,
  CustomerObject,
  DiscountObject,
  EventObject,
  InvoiceObject,
  InvoicePaymentObject,
  Metadata,
  PaymentIntentObject,
  PriceObject,
  PromotionCodeObject,
  RefundObject,
  SubscriptionObject,
  TaxEntry,
  TaxRateObject,
} from "./types.js";

export interface CheckoutInput {
  api_key: string;
  mode?: "subscription" | "payment";
  /** Price in minor units (cents, or yen for zero-decimal currencies). */
  amount: number;
  currency: string;
  interval?: Interval;
  /** The code text as typed by the customer (case-insensitive) or a `promo_` id. */
  promotion_code?: string;
  client_reference_id?: string;
  /** Reuse an existing customer instead of creating one. */
  customer?: string;
  customer_email?: string;
  customer_name?: string;
  customer_metadata?: Metadata;
  /** Metadata on the Checkout Session (and on the subscription in subscription mode). */
  metadata?: Metadata;
  /** Exclusive tax on the discounted amount, in basis points (2000 = 20 %). */
  tax_percent_bps?: number;
  /** Alternatively a fixed tax amount in minor units. */
  tax_amount?: number;
  /** Deliver every event twice, in shuffled order. */
  duplicate_and_shuffle?: boolean;
  /** Wait for webhook deliveries before answering (default true). */
  wait?: boolean;
}

export interface EventRef {
  id: string;
  type: string;
}

export interface DeliverySummary {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  status: DeliveryRecord["status"];
  attempts: number;
  last_status: number | null;
}

export interface CheckoutResult {
  mode: "subscription" | "payment";
  customer: string;
  subscription: string | null;
  invoice: string | null;
  invoice_payment: string | null;
  payment_intent: string;
  charge: string;
  checkout_session: string;
  discount: string | null;
  promotion_code: string | null;
  coupon: string | null;
  currency: string;
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  events: EventRef[];
  deliveries: DeliverySummary[];
}

export interface RenewalInput {
  api_key: string;
  subscription: string;
  duplicate_and_shuffle?: boolean;
  wait?: boolean;
}

export interface RenewalResult {
  subscription: string;
  invoice: string;
  invoice_payment: string;
  payment_intent: string;
  charge: string;
  billing_reason: "subscription_cycle";
  discount_applied: boolean;
  discounts: string[];
  currency: string;
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  period_start: number;
  period_end: number;
  events: EventRef[];
  deliveries: DeliverySummary[];
}

export interface RefundSimInput {
  api_key: string;
  payment_intent?: string;
  charge?: string;
  /** Omit for a full refund of what remains. */
  amount?: number;
  reason?: RefundObject["reason"];
  duplicate_and_shuffle?: boolean;
  wait?: boolean;
}

export interface RefundSimResult {
  refund: string;
  charge: string;
  payment_intent: string | null;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  events: EventRef[];
  deliveries: DeliverySummary[];
}

function summarize(records: DeliveryRecord[]): DeliverySummary[] {
  return records.map((r) => ({
    id: r.id,
    event_id: r.event_id,
    event_type: r.event_type,
    endpoint_id: r.endpoint_id,
    status: r.status,
    attempts: r.attempts.length,
    last_status: r.attempts.at(-1)?.status ?? null,
  }));
}

async function deliver(
  emulator: Emulator,
  account: Account,
  events: EventObject[],
  opts: { duplicate_and_shuffle?: boolean; wait?: boolean },
): Promise<DeliverySummary[]> {
  const promise = emulator.deliver(account, events, {
    duplicateAndShuffle: opts.duplicate_and_shuffle ?? false,
  });
  if (opts.wait === false) return [];
  return summarize(await promise);
}

function getTaxRate(account: Account, bps: number): TaxRateObject {
  const percentage = bps / 100;
  for (const rate of account.taxRates.values()) {
    if (rate.percentage === percentage) return rate;
  }
  const rate: TaxRateObject = {
    id: newId("txr", 24),
    object: "tax_rate",
    active: true,
    country: null,
    created: nowSeconds(),
    description: null,
    display_name: "Tax",
    effective_percentage: percentage,
    flat_amount: null,
    inclusive: false,
    jurisdiction: null,
    jurisdiction_level: null,
    livemode: account.livemode,
    metadata: {},
    percentage,
    rate_type: "percentage",
    state: null,
    tax_type: "sales_tax",
  };
  account.taxRates.set(rate.id, rate);
  return rate;
}

function taxEntries(account: Account, totals: Totals, bps: number | null): TaxEntry[] {
  if (totals.tax === 0 && bps === null) return [];
  return [
    {
      amount: totals.tax,
      tax_behavior: "exclusive",
      tax_rate_details: bps !== null ? { tax_rate: getTaxRate(account, bps).id } : null,
      taxability_reason: "standard_rated",
      taxable_amount: totals.taxable,
      type: "tax_rate_details",
    },
  ];
}

function createPayment(
  account: Account,
  input: {
    amount: number;
    currency: string;
    customer: CustomerObject;
    description: string;
    metadata?: Metadata;
  },
): { paymentIntent: PaymentIntentObject; charge: ChargeObject } {
  const now = nowSeconds();
  const piId = newId("pi", 24);
  const paymentMethod = newId("pm", 24);
  const charge: ChargeObject = {
    id: newId("ch", 24),
    object: "charge",
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: newId("txn", 24),
    billing_details: {
      address: null,
      email: input.customer.email,
      name: input.customer.name,
      phone: null,
    },
    calculated_statement_descriptor: "STRIPE EMULATOR",
    captured: true,
    created: now,
    currency: input.currency,
    customer: input.customer.id,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: account.livemode,
    metadata: input.metadata ?? {},
    on_behalf_of: null,
    outcome: {
      network_status: "approved_by_network",
      risk_level: "normal",
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: piId,
    payment_method: paymentMethod,
    receipt_email: input.customer.email,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/emulator/${randomString(24)}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
  const paymentIntent: PaymentIntentObject = {
    id: piId,
    object: "payment_intent",
    amount: input.amount,
    amount_capturable: 0,
    amount_received: input.amount,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${piId}_secret_${randomString(25)}`,
    confirmation_method: "automatic",
    created: now,
    currency: input.currency,
    customer: input.customer.id,
    customer_account: null,
    description: input.description,
    last_payment_error: null,
    latest_charge: charge.id,
    livemode: account.livemode,
    metadata: input.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod,
    payment_method_types: ["card"],
    receipt_email: input.customer.email,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_group: null,
  };
  account.paymentIntents.set(paymentIntent.id, paymentIntent);
  account.charges.set(charge.id, charge);
  return { paymentIntent, charge };
}

function createInvoice(
  account: Account,
  input: {
    subscription: SubscriptionObject;
    billing: SubscriptionBilling;
    customer: CustomerObject;
    reason: BillingReason;
    discount: DiscountObject | null;
    totals: Totals;
    linePeriod: { start: number; end: number };
    invoicePeriod: { start: number; end: number };
  },
): InvoiceObject {
  const { subscription, billing, customer, discount, totals } = input;
  const now = nowSeconds();
  const id = newId("in", 24);
  const discountIds = discount ? [discount.id] : [];
  const discountAmounts = discount ? [{ amount: totals.discount, discount: discount.id }] : [];
  const pretax = discount
    ? [{ amount: totals.discount, discount: discount.id, type: "discount" as const }]
    : [];
  const taxes = taxEntries(account, totals, billing.taxPercentBps);
  account.invoiceSequence += 1;
  const item = subscription.items.data[0];
  const invoice: InvoiceObject = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Stripe Emulator",
    amount_due: totals.total,
    amount_overpaid: 0,
    amount_paid: totals.total,
    amount_remaining: 0,
    amount_shipping: 0,
    attempt_count: 1,
    attempted: true,
    auto_advance: false,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    billing_reason: input.reason,
    collection_method: "charge_automatically",
    created: now,
    currency: billing.currency,
    customer: customer.id,
    customer_account: null,
    customer_email: customer.email,
    customer_name: customer.name,
    default_payment_method: null,
    description: null,
    discounts: discountIds,
    due_date: null,
    effective_at: now,
    ending_balance: 0,
    hosted_invoice_url: `https://invoice.stripe.com/i/emulator/${id}`,
    invoice_pdf: `https://pay.stripe.com/invoice/emulator/${id}/pdf`,
    lines: {
      object: "list",
      data: [
        {
          id: newId("il", 24),
          object: "line_item",
          amount: totals.subtotal,
          currency: billing.currency,
          description: `1 × Subscription (at ${totals.subtotal} ${billing.currency} / ${billing.interval})`,
          discount_amounts: discountAmounts,
          discountable: true,
          discounts: discountIds,
          invoice: id,
          livemode: account.livemode,
          metadata: {},
          parent: {
            type: "subscription_item_details",
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: false,
              proration_details: { credited_items: null },
              subscription: subscription.id,
              subscription_item: item.id,
            },
          },
          period: input.linePeriod,
          pretax_credit_amounts: pretax,
          pricing: {
            type: "price_details",
            price_details: { price: billing.price, product: billing.product },
            unit_amount_decimal: String(billing.amount),
          },
          quantity: 1,
          quantity_decimal: "1",
          subscription: subscription.id,
          subtotal: totals.subtotal,
          taxes,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: account.livemode,
    metadata: {},
    next_payment_attempt: null,
    number: `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, "0")}`,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: subscription.metadata, subscription: subscription.id },
    },
    period_end: input.invoicePeriod.end,
    period_start: input.invoicePeriod.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    starting_balance: 0,
    status: "paid",
    status_transitions: {
      finalized_at: now,
      marked_uncollectible_at: null,
      paid_at: now,
      voided_at: null,
    },
    subtotal: totals.subtotal,
    subtotal_excluding_tax: totals.subtotal,
    test_clock: null,
    total: totals.total,
    total_discount_amounts: discountAmounts,
    total_excluding_tax: totals.taxable,
    total_pretax_credit_amounts: pretax,
    total_taxes: taxes,
    webhooks_delivered_at: now,
  };
  customer.next_invoice_sequence += 1;
  account.invoices.set(invoice.id, invoice);
  return invoice;
}

function createInvoicePayment(
  account: Account,
  invoice: InvoiceObject,
  paymentIntent: PaymentIntentObject,
): InvoicePaymentObject {
  const now = nowSeconds();
  const payment: InvoicePaymentObject = {
    id: newId("inpay", 24),
    object: "invoice_payment",
    amount_paid: paymentIntent.amount_received,
    amount_requested: invoice.amount_due,
    created: now,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: account.livemode,
    payment: { type: "payment_intent", payment_intent: paymentIntent.id },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: now },
  };
  account.invoicePayments.set(payment.id, payment);
  return payment;
}

function createPrice(
  account: Account,
  amount: number,
  currency: string,
  interval: Interval | null,
): PriceObject {
  const price: PriceObject = {
    id: newId("price", 24),
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: nowSeconds(),
    currency,
    livemode: account.livemode,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: newId("prod", 14),
    recurring: interval
      ? { interval, interval_count: 1, meter: null, usage_type: "licensed" }
      : null,
    tax_behavior: "exclusive",
    type: interval ? "recurring" : "one_time",
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
  account.prices.set(price.id, price);
  return price;
}

function sessionId(account: Account): string {
  return `cs_${account.livemode ? "live" : "test"}_${randomString(58)}`;
}

/** Simulates a completed Stripe Checkout (see `CheckoutInput`). */
export async function simulateCheckout(
  emulator: Emulator,
  input: CheckoutInput,
): Promise<CheckoutResult> {
  const account = emulator.account(input.api_key);
  const mode = input.mode ?? "subscription";
  const currency = input.currency.toLowerCase();
  const interval: Interval = input.interval ?? "month";
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) {
    throw invalidRequest("amount must be a non-negative integer (minor units).", "amount");
  }
  if (input.tax_percent_bps !== undefined && input.tax_amount !== undefined) {
    throw invalidRequest("Pass either tax_percent_bps or tax_amount, not both.", "tax_amount");
  }
  const existing = input.customer ? getCustomer(account, input.customer, "customer", 400) : null;
  const firstPurchase =
    !existing || ![...account.charges.values()].some((c) => c.customer === existing.id);

  let promo: PromotionCodeObject | null = null;
  let coupon: CouponObject | null = null;
  if (input.promotion_code) {
    ({ promo, coupon } = resolvePromotionCode(account, input.promotion_code, {
      currency,
      subtotal: input.amount,
      customer: existing?.id ?? null,
      firstPurchase,
    }));
  }

  const customer =
    existing ??
    createCustomer(account, {
      email: input.customer_email ?? null,
      name: input.customer_name ?? null,
      metadata: { ...input.customer_metadata },
    });
  const tax = { percentBps: input.tax_percent_bps ?? null, amount: input.tax_amount ?? null };
  const totals = computeTotals(input.amount, coupon, tax);
  const now = nowSeconds();
  const csId = sessionId(account);
  const metadata: Metadata = { ...input.metadata };

  let subscription: SubscriptionObject | null = null;
  let invoice: InvoiceObject | null = null;
  let invoicePayment: InvoicePaymentObject | null = null;
  let discount: DiscountObject | null = null;
  const events: EventObject[] = [];

  const { paymentIntent, charge } = createPayment(account, {
    amount: totals.total,
    currency,
    customer,
    description: mode === "subscription" ? "Subscription creation" : "Checkout payment",
  });

  if (mode === "subscription") {
    const price = createPrice(account, input.amount, currency, interval);
    const subId = newId("sub", 24);
    const periodEnd = addInterval(now, interval);
    if (coupon) {
      discount = createDiscount(account, {
        coupon,
        promo,
        customer: customer.id,
        subscription: subId,
        checkoutSession: csId,
        start: now,
      });
    }
    subscription = {
      id: subId,
      object: "subscription",
      application: null,
      application_fee_percent: null,
      billing_cycle_anchor: now,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      collection_method: "charge_automatically",
      created: now,
      currency,
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: paymentIntent.payment_method,
      description: null,
      discounts: discount ? [discount.id] : [],
      ended_at: null,
      items: {
        object: "list",
        data: [
          {
            id: newId("si", 14),
            object: "subscription_item",
            created: now,
            current_period_end: periodEnd,
            current_period_start: now,
            discounts: [],
            metadata: {},
            price,
            quantity: 1,
            subscription: subId,
            tax_rates: [],
          },
        ],
        has_more: false,
        url: `/v1/subscription_items?subscription=${subId}`,
      },
      latest_invoice: null,
      livemode: account.livemode,
      metadata,
      start_date: now,
      status: "active",
      test_clock: null,
      trial_end: null,
      trial_start: null,
    };
    const billing: SubscriptionBilling = {
      price: price.id,
      product: price.product,
      amount: input.amount,
      currency,
      interval,
      invoices: 1,
      taxPercentBps: tax.percentBps,
      taxAmount: tax.amount,
      discount: discount?.id ?? null,
      periodStart: now,
      periodEnd,
      customerEmail: customer.email,
    };
    account.subscriptions.set(subId, subscription);
    account.subscriptionBilling.set(subId, billing);
    invoice = createInvoice(account, {
      subscription,
      billing,
      customer,
      reason: "subscription_create",
      discount,
      totals,
      linePeriod: { start: now, end: periodEnd },
      invoicePeriod: { start: now, end: now },
    });
    subscription.latest_invoice = invoice.id;
    invoicePayment = createInvoicePayment(account, invoice, paymentIntent);
  } else if (coupon) {
    discount = createDiscount(account, {
      coupon,
      promo,
      customer: customer.id,
      subscription: null,
      checkoutSession: csId,
      start: now,
    });
  }
  if (promo && coupon) redeem(promo, coupon);

  const taxRate = tax.percentBps !== null ? getTaxRate(account, tax.percentBps) : null;
  const session: CheckoutSessionObject = {
    id: csId,
    object: "checkout.session",
    allow_promotion_codes: true,
    amount_subtotal: totals.subtotal,
    amount_total: totals.total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: null,
    client_reference_id: input.client_reference_id ?? null,
    client_secret: null,
    created: now,
    currency,
    customer: customer.id,
    customer_account: null,
    customer_creation: existing ? null : "always",
    customer_details: {
      address: null,
      email: customer.email,
      name: customer.name,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
    },
    customer_email: existing ? null : (input.customer_email ?? null),
    discounts: discount
      ? [{ coupon: discount.source.coupon, promotion_code: discount.promotion_code }]
      : [],
    expires_at: now + 24 * 3600,
    invoice: invoice?.id ?? null,
    livemode: account.livemode,
    locale: null,
    metadata,
    mode,
    payment_intent: mode === "payment" ? paymentIntent.id : null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_types: ["card"],
    payment_status: "paid",
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "complete",
    submit_type: null,
    subscription: subscription?.id ?? null,
    success_url: null,
    total_details: {
      amount_discount: totals.discount,
      amount_shipping: 0,
      amount_tax: totals.tax,
      breakdown: {
        discounts: discount ? [{ amount: totals.discount, discount: { ...discount } }] : [],
        taxes:
          totals.tax > 0 && taxRate
            ? [
                {
                  amount: totals.tax,
                  rate: taxRate,
                  taxability_reason: "standard_rated",
                  taxable_amount: totals.taxable,
                },
              ]
            : [],
      },
    },
    ui_mode: "hosted",
    url: null,
  };
  account.checkoutSessions.set(session.id, session);

  if (subscription && invoice && invoicePayment) {
    events.push(createEvent(account, "customer.subscription.created", subscription));
    events.push(createEvent(account, "invoice.paid", invoice));
    events.push(createEvent(account, "invoice_payment.paid", invoicePayment));
  }
  events.push(createEvent(account, "checkout.session.completed", session));

  const deliveries = await deliver(emulator, account, events, input);
  return {
    mode,
    customer: customer.id,
    subscription: subscription?.id ?? null,
    invoice: invoice?.id ?? null,
    invoice_payment: invoicePayment?.id ?? null,
    payment_intent: paymentIntent.id,
    charge: charge.id,
    checkout_session: session.id,
    discount: discount?.id ?? null,
    promotion_code: promo?.id ?? null,
    coupon: coupon?.id ?? null,
    currency,
    amount_subtotal: totals.subtotal,
    amount_discount: totals.discount,
    amount_tax: totals.tax,
    amount_total: totals.total,
    events: events.map((e) => ({ id: e.id, type: e.type })),
    deliveries,
  };
}

/** Simulates the next billing cycle of a subscription (a `subscription_cycle` invoice). */
export async function simulateRenewal(
  emulator: Emulator,
  input: RenewalInput,
): Promise<RenewalResult> {
  const account = emulator.account(input.api_key);
  const subscription = account.subscriptions.get(input.subscription);
  const billing = account.subscriptionBilling.get(input.subscription);
  if (!subscription || !billing) {
    throw resourceMissing("subscription", input.subscription, "subscription", 400);
  }
  if (subscription.status !== "active") {
    throw invalidRequest(`Subscription ${subscription.id} is not active.`, "subscription");
  }
  const customer = getCustomer(account, subscription.customer, "customer", 400);
  const invoiceIndex = billing.invoices;
  const previousPeriod = { start: billing.periodStart, end: billing.periodEnd };
  const periodStart = billing.periodEnd;
  const periodEnd = addInterval(periodStart, billing.interval);

  let discount: DiscountObject | null = null;
  let coupon: CouponObject | null = null;
  if (billing.discount) {
    const d = account.discounts.get(billing.discount);
    const c = d ? account.anyCoupon(d.source.coupon) : undefined;
    if (d && c && discountApplies(d, c, invoiceIndex, periodStart)) {
      discount = d;
      coupon = c;
    } else {
      // The discount has ended: Stripe removes it from the subscription.
      subscription.discounts = subscription.discounts.filter((id) => id !== billing.discount);
      billing.discount = null;
    }
  }
  const totals = computeTotals(billing.amount, coupon, {
    percentBps: billing.taxPercentBps,
    amount: billing.taxAmount,
  });
  const { paymentIntent, charge } = createPayment(account, {
    amount: totals.total,
    currency: billing.currency,
    customer,
    description: "Subscription update",
  });
  const invoice = createInvoice(account, {
    subscription,
    billing,
    customer,
    reason: "subscription_cycle",
    discount,
    totals,
    linePeriod: { start: periodStart, end: periodEnd },
    invoicePeriod: previousPeriod,
  });
  const invoicePayment = createInvoicePayment(account, invoice, paymentIntent);
  billing.invoices += 1;
  billing.periodStart = periodStart;
  billing.periodEnd = periodEnd;
  subscription.latest_invoice = invoice.id;
  const item = subscription.items.data[0];
  item.current_period_start = periodStart;
  item.current_period_end = periodEnd;

  const events = [
    createEvent(account, "invoice.paid", invoice),
    createEvent(account, "invoice_payment.paid", invoicePayment),
  ];
  const deliveries = await deliver(emulator, account, events, input);
  return {
    subscription: subscription.id,
    invoice: invoice.id,
    invoice_payment: invoicePayment.id,
    payment_intent: paymentIntent.id,
    charge: charge.id,
    billing_reason: "subscription_cycle",
    discount_applied: discount !== null,
    discounts: invoice.discounts,
    currency: billing.currency,
    amount_subtotal: totals.subtotal,
    amount_discount: totals.discount,
    amount_tax: totals.tax,
    amount_total: totals.total,
    period_start: periodStart,
    period_end: periodEnd,
    events: events.map((e) => ({ id: e.id, type: e.type })),
    deliveries,
  };
}

/** Simulates a full or partial refund: `refund.created` and `charge.refunded` (cumulative). */
export async function simulateRefund(
  emulator: Emulator,
  input: RefundSimInput,
): Promise<RefundSimResult> {
  const account = emulator.account(input.api_key);
  const { refund, charge, events } = createRefund(account, {
    charge: input.charge,
    payment_intent: input.payment_intent,
    amount: input.amount,
    reason: input.reason ?? "requested_by_customer",
  });
  const deliveries = await deliver(emulator, account, events, input);
  return {
    refund: refund.id,
    charge: charge.id,
    payment_intent: charge.payment_intent,
    amount: refund.amount,
    amount_refunded: charge.amount_refunded,
    refunded: charge.refunded,
    events: events.map((e) => ({ id: e.id, type: e.type })),
    deliveries,
  };
}
