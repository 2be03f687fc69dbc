import { newId } from "./ids.js";
import type {
  ChargeObject,
  CheckoutSessionObject,
  CouponObject,
  CustomerObject,
  DiscountObject,
  EventObject,
  InvoiceObject,
  InvoicePaymentObject,
  PaymentIntentObject,
  PriceObject,
  PromotionCodeObject,
  RefundObject,
  SubscriptionObject,
  TaxRateObject,
  WebhookEndpointObject,
} from "./types.js";

export const API_VERSION = "2026-10-28.endive";

export const KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

export function isValidApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function maskKey(key: string): string {
  const m = /^((?:sk|rk)_(?:test|live)_)(.*)$/.exec(key);
  if (!m) return "****";
  return `${m[1]}${"*".repeat(Math.max(0, Math.min(m[2].length - 4, 20)))}${m[2].slice(-4)}`;
}

/** How a subscription is billed, so renewals can be simulated. */
export interface SubscriptionBilling {
  price: string;
  product: string;
  amount: number;
  currency: string;
  interval: "day" | "week" | "month" | "year";
  /** Number of invoices issued so far (1 after checkout). */
  invoices: number;
  taxPercentBps: number | null;
  taxAmount: number | null;
  discount: string | null;
  periodStart: number;
  periodEnd: number;
  customerEmail: string | null;
}

/** One isolated Stripe "account": everything created with one API key (or its aliases). */
export class Account {
  readonly id: string;
  readonly livemode: boolean;
  readonly keys = new Set<string>();

  coupons = new Map<string, CouponObject>();
  deletedCoupons = new Map<string, CouponObject>();
  promotionCodes = new Map<string, PromotionCodeObject>();
  /** Promotion codes whose coupon was deleted: they can never be reactivated. */
  orphanedPromotionCodes = new Set<string>();
  discounts = new Map<string, DiscountObject>();
  customers = new Map<string, CustomerObject>();
  prices = new Map<string, PriceObject>();
  subscriptions = new Map<string, SubscriptionObject>();
  subscriptionBilling = new Map<string, SubscriptionBilling>();
  invoices = new Map<string, InvoiceObject>();
  invoicePayments = new Map<string, InvoicePaymentObject>();
  paymentIntents = new Map<string, PaymentIntentObject>();
  charges = new Map<string, ChargeObject>();
  refunds = new Map<string, RefundObject>();
  checkoutSessions = new Map<string, CheckoutSessionObject>();
  taxRates = new Map<string, TaxRateObject>();
  webhookEndpoints = new Map<string, WebhookEndpointObject>();
  events = new Map<string, EventObject>();
  idempotency = new Map<string, { status: number; body: string; fingerprint: string }>();
  /** Keys whose first request is still running (a second one gets Stripe's 409). */
  idempotencyInFlight = new Set<string>();
  invoiceNumberPrefix: string;
  invoiceSequence = 0;

  constructor(livemode: boolean, id = newId("acct", 16)) {
    this.id = id;
    this.livemode = livemode;
    this.invoiceNumberPrefix = id.slice(-8).toUpperCase();
  }

  /** All stores that hold expandable objects, by id. */
  private stores(): Map<string, object>[] {
    return [
      this.promotionCodes,
      this.discounts,
      this.customers,
      this.prices,
      this.subscriptions,
      this.invoices,
      this.invoicePayments,
      this.paymentIntents,
      this.charges,
      this.refunds,
      this.checkoutSessions,
      this.taxRates,
      this.webhookEndpoints,
      this.events,
      this.coupons,
      this.deletedCoupons,
    ];
  }

  findObject(id: string): object | undefined {
    for (const store of this.stores()) {
      const found = store.get(id);
      if (found) return found;
    }
    return undefined;
  }

  /** Active (not deleted) or deleted coupon: discounts keep pointing at deleted coupons. */
  anyCoupon(id: string): CouponObject | undefined {
    return this.coupons.get(id) ?? this.deletedCoupons.get(id);
  }

  dump(): Record<string, unknown> {
    const values = <T>(m: Map<string, T>): T[] => [...m.values()];
    return {
      id: this.id,
      livemode: this.livemode,
      keys: [...this.keys].map(maskKey),
      coupons: values(this.coupons),
      deleted_coupons: values(this.deletedCoupons),
      promotion_codes: values(this.promotionCodes),
      discounts: values(this.discounts),
      customers: values(this.customers),
      subscriptions: values(this.subscriptions),
      subscription_billing: Object.fromEntries(this.subscriptionBilling),
      invoices: values(this.invoices),
      invoice_payments: values(this.invoicePayments),
      payment_intents: values(this.paymentIntents),
      charges: values(this.charges),
      refunds: values(this.refunds),
      checkout_sessions: values(this.checkoutSessions),
      webhook_endpoints: values(this.webhookEndpoints).map((e) => ({ ...e, secret: undefined })),
      events: values(this.events),
    };
  }
}

/** Registry of accounts by API key (each distinct key is its own account unless aliased). */
export class AccountRegistry {
  private byKey = new Map<string, Account>();

  get(key: string): Account {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const account = new Account(/^(sk|rk)_live_/.test(key));
    account.keys.add(key);
    this.byKey.set(key, account);
    return account;
  }

  peek(key: string): Account | undefined {
    return this.byKey.get(key);
  }

  /** Makes `alias` act on the same account as `target`. */
  alias(alias: string, target: string): Account {
    const account = this.get(target);
    const previous = this.byKey.get(alias);
    if (previous && previous !== account) previous.keys.delete(alias);
    account.keys.add(alias);
    this.byKey.set(alias, account);
    return account;
  }

  all(): Account[] {
    return [...new Set(this.byKey.values())];
  }

  byId(id: string): Account | undefined {
    return this.all().find((a) => a.id === id);
  }

  /** Drops all objects of one account (keeping its keys and id), or of every account. */
  reset(key?: string): void {
    const targets = key ? [this.byKey.get(key)].filter((a): a is Account => !!a) : this.all();
    for (const old of targets) {
      const fresh = new Account(old.livemode, old.id);
      for (const k of old.keys) {
        fresh.keys.add(k);
        this.byKey.set(k, fresh);
      }
    }
  }
}
