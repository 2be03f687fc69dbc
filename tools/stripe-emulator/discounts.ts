import { invalidRequest, resourceMissing } from "./errors.js";
import { newId, nowSeconds } from "./ids.js";
import { couponIsValid, refreshCoupon } from "./resources/coupons.js";
import { findActiveCode, promotionCodeUsable } from "./resources/promotionCodes.js";
import type { Account } from "./state.js";
import type { CouponObject, DiscountObject, PromotionCodeObject } from "./types.js";

export type Interval = "day" | "week" | "month" | "year";

/** `amount * percent / 100`, rounded half-up on minor units (exact for up to 4 decimals). */
export function percentOf(amount: number, percent: number): number {
  const scaled = BigInt(Math.round(percent * 10_000)); // percent in 1/10000ths
  return Number((BigInt(amount) * scaled + 500_000n) / 1_000_000n);
}

/** Tax in basis points (1 bps = 0.01 %), rounded half-up. */
export function taxFromBps(taxable: number, bps: number): number {
  return Number((BigInt(taxable) * BigInt(bps) + 5_000n) / 10_000n);
}

/** The discount a coupon gives on a subtotal (amount_off capped at the subtotal). */
export function couponDiscountAmount(coupon: CouponObject, subtotal: number): number {
  if (coupon.percent_off !== null)
    return Math.min(subtotal, percentOf(subtotal, coupon.percent_off));
  if (coupon.amount_off !== null) return Math.min(subtotal, coupon.amount_off);
  return 0;
}

export interface Totals {
  subtotal: number;
  discount: number;
  taxable: number;
  tax: number;
  total: number;
}

export function computeTotals(
  subtotal: number,
  coupon: CouponObject | null,
  tax: { percentBps: number | null; amount: number | null },
): Totals {
  const discount = coupon ? couponDiscountAmount(coupon, subtotal) : 0;
  const taxable = subtotal - discount;
  let taxAmount = 0;
  if (tax.percentBps !== null) taxAmount = taxFromBps(taxable, tax.percentBps);
  else if (tax.amount !== null) taxAmount = tax.amount;
  return { subtotal, discount, taxable, tax: taxAmount, total: taxable + taxAmount };
}

/** Adds `count` intervals to a unix timestamp (calendar months/years, UTC). */
export function addInterval(ts: number, interval: Interval, count = 1): number {
  const d = new Date(ts * 1000);
  switch (interval) {
    case "day":
      d.setUTCDate(d.getUTCDate() + count);
      break;
    case "week":
      d.setUTCDate(d.getUTCDate() + 7 * count);
      break;
    case "month":
      d.setUTCMonth(d.getUTCMonth() + count);
      break;
    case "year":
      d.setUTCFullYear(d.getUTCFullYear() + count);
      break;
  }
  return Math.floor(d.getTime() / 1000);
}

/**
 * Finds the promotion code a customer typed (case-insensitive, among active codes) or a
 * `promo_` id, and checks it can be redeemed for this purchase.
 */
export function resolvePromotionCode(
  account: Account,
  input: string,
  purchase: { currency: string; subtotal: number; customer: string | null; firstPurchase: boolean },
): { promo: PromotionCodeObject; coupon: CouponObject } {
  let promo: PromotionCodeObject | undefined;
  if (input.startsWith("promo_")) promo = account.promotionCodes.get(input);
  promo ??= findActiveCode(account, input);
  if (!promo) {
    const inactive = [...account.promotionCodes.values()].some(
      (p) => p.code.toLowerCase() === input.toLowerCase(),
    );
    if (inactive) throw invalidRequest("This promotion code is inactive.", "promotion_code");
    throw resourceMissing("promotion code", input, "promotion_code", 400);
  }
  const problem = promotionCodeUsable(account, promo);
  if (problem) throw invalidRequest(problem, "promotion_code");
  const coupon = refreshCoupon(account.coupons.get(promo.promotion.coupon) as CouponObject);
  if (coupon.amount_off !== null && coupon.currency !== purchase.currency) {
    throw invalidRequest(
      `This promotion code's coupon is in ${coupon.currency ?? "?"} and cannot be applied to a ${purchase.currency} purchase.`,
      "promotion_code",
    );
  }
  if (promo.customer !== null && promo.customer !== purchase.customer) {
    throw invalidRequest(
      "This promotion code is restricted to another customer.",
      "promotion_code",
    );
  }
  const r = promo.restrictions;
  const min =
    r.minimum_amount_currency === purchase.currency
      ? r.minimum_amount
      : (r.currency_options?.[purchase.currency]?.minimum_amount ?? null);
  if (min !== null && purchase.subtotal < min) {
    throw invalidRequest(
      `This promotion code requires a minimum purchase of ${min} ${purchase.currency}.`,
      "promotion_code",
    );
  }
  if (r.first_time_transaction && !purchase.firstPurchase) {
    throw invalidRequest(
      "This promotion code is only valid for first-time customers.",
      "promotion_code",
    );
  }
  return { promo, coupon };
}

/** Records one redemption of the promotion code and its coupon. */
export function redeem(promo: PromotionCodeObject, coupon: CouponObject): void {
  promo.times_redeemed += 1;
  coupon.times_redeemed += 1;
  coupon.valid = couponIsValid(coupon);
}

/** Creates the Discount object a redemption produces. */
export function createDiscount(
  account: Account,
  input: {
    coupon: CouponObject;
    promo: PromotionCodeObject | null;
    customer: string | null;
    subscription: string | null;
    checkoutSession: string | null;
    start?: number;
  },
): DiscountObject {
  const start = input.start ?? nowSeconds();
  const end =
    input.coupon.duration === "repeating" && input.coupon.duration_in_months !== null
      ? addInterval(start, "month", input.coupon.duration_in_months)
      : null;
  const discount: DiscountObject = {
    id: newId("di", 24),
    object: "discount",
    checkout_session: input.checkoutSession,
    customer: input.customer,
    customer_account: null,
    end,
    invoice: null,
    invoice_item: null,
    promotion_code: input.promo?.id ?? null,
    source: { type: "coupon", coupon: input.coupon.id },
    start,
    subscription: input.subscription,
    subscription_item: null,
  };
  account.discounts.set(discount.id, discount);
  return discount;
}

/**
 * Whether a subscription discount applies to the invoice whose service period starts at
 * `periodStart`: `once` only for the first invoice, `repeating` until its end, `forever` always.
 */
export function discountApplies(
  discount: DiscountObject,
  coupon: CouponObject,
  invoiceIndex: number,
  periodStart: number,
): boolean {
  switch (coupon.duration) {
    case "once":
      return invoiceIndex === 0;
    case "repeating":
      return discount.end === null || periodStart < discount.end;
    case "forever":
      return true;
  }
}
