import { invalidRequest, resourceMissing } from "../errors.js";
import { LIST_KEYS, type Emulator, type Route } from "../emulator.js";
import { newCouponId, nowSeconds } from "../ids.js";
import { mergeMetadata, newMetadata, Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";
import type { Account } from "../state.js";
import type { CouponObject, PromotionCodeObject } from "../types.js";

const FIVE_YEARS = 5 * 365 * 24 * 3600;

/** Whether a coupon can still be redeemed (not expired, not exhausted). */
export function couponIsValid(coupon: CouponObject, now = nowSeconds()): boolean {
  if (coupon.redeem_by !== null && coupon.redeem_by <= now) return false;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) {
    return false;
  }
  return true;
}

export function refreshCoupon(coupon: CouponObject): CouponObject {
  coupon.valid = couponIsValid(coupon);
  return coupon;
}

export function getCoupon(account: Account, id: string, param = "id", status: 404 | 400 = 404) {
  const coupon = account.coupons.get(id);
  if (!coupon) throw resourceMissing("coupon", id, param, status);
  return refreshCoupon(coupon);
}

export const couponRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/coupons$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        "amount_off",
        "currency",
        "duration",
        "duration_in_months",
        "id",
        "max_redemptions",
        "metadata",
        "name",
        "percent_off",
        "redeem_by",
        "applies_to",
        "currency_options",
      ]);
      const { account } = ctx;
      const id = p.str("id", { maxLength: 200 }) ?? newCouponId();
      const percentOff = p.float("percent_off");
      const amountOff = p.int("amount_off", { min: 1 });
      const currency = p.str("currency")?.toLowerCase();
      const duration = p.enumOf("duration", ["forever", "once", "repeating"] as const) ?? "once";
      const months = p.int("duration_in_months", { min: 1, max: 999 });
      const maxRedemptions = p.int("max_redemptions", { min: 1 });
      const redeemBy = p.int("redeem_by");
      const name = p.str("name", { maxLength: 40 });
      const metadata = p.metadata();

      if (percentOff !== undefined && amountOff !== undefined) {
        throw invalidRequest(
          "You may only specify one of these parameters: amount_off, percent_off.",
          "amount_off",
          "parameters_exclusive",
        );
      }
      if (percentOff === undefined && amountOff === undefined) {
        throw invalidRequest(
          "You must pass either `amount_off` or `percent_off`.",
          "percent_off",
          "parameter_missing",
        );
      }
      if (percentOff !== undefined && !(percentOff > 0 && percentOff <= 100)) {
        throw invalidRequest(
          "Invalid percent_off: must be greater than 0 and less than or equal to 100.",
          "percent_off",
        );
      }
      if (amountOff !== undefined && !currency) {
        throw invalidRequest(
          "You must pass currency when passing amount_off.",
          "currency",
          "parameter_missing",
        );
      }
      if (currency !== undefined && !/^[a-z]{3}$/.test(currency)) {
        throw invalidRequest(`Invalid currency: ${currency}.`, "currency");
      }
      if (duration === "repeating" && months === undefined) {
        throw invalidRequest(
          "You must pass duration_in_months when duration is repeating.",
          "duration_in_months",
          "parameter_missing",
        );
      }
      if (duration !== "repeating" && months !== undefined) {
        throw invalidRequest(
          "You can only pass duration_in_months when duration is repeating.",
          "duration_in_months",
        );
      }
      const now = nowSeconds();
      if (redeemBy !== undefined && (redeemBy <= now || redeemBy > now + FIVE_YEARS)) {
        throw invalidRequest(
          "Invalid redeem_by: must be in the future and at most 5 years from now.",
          "redeem_by",
        );
      }
      if (account.coupons.has(id)) {
        throw invalidRequest("Coupon already exists.", "id", "resource_already_exists");
      }
      const coupon: CouponObject = {
        id,
        object: "coupon",
        amount_off: amountOff ?? null,
        created: now,
        currency: amountOff !== undefined ? (currency ?? null) : null,
        duration,
        duration_in_months: months ?? null,
        livemode: account.livemode,
        max_redemptions: maxRedemptions ?? null,
        metadata: newMetadata(metadata),
        name: name ?? null,
        percent_off: percentOff ?? null,
        redeem_by: redeemBy ?? null,
        times_redeemed: 0,
        valid: true,
      };
      account.deletedCoupons.delete(id);
      account.coupons.set(id, coupon);
      ctx.emulator.emit(account, "coupon.created", coupon);
      return render(account, coupon, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/coupons$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS]);
      const coupons = [...ctx.account.coupons.values()].map(refreshCoupon);
      return renderList(ctx.account, coupons, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/coupons\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      return render(ctx.account, getCoupon(ctx.account, ctx.pathParams[0]), ctx.expand);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/coupons\/([^/]+)$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, ["name", "metadata", "currency_options"]);
      const coupon = getCoupon(ctx.account, ctx.pathParams[0]);
      const name = p.emptyableStr("name");
      const metadata = p.metadata();
      const previous: Record<string, string | null | Record<string, string>> = {};
      if (name !== undefined) {
        if (name !== null && name.length > 40) {
          throw invalidRequest("Invalid name: must be at most 40 characters", "name");
        }
        previous.name = coupon.name;
        coupon.name = name;
      }
      if (metadata !== undefined) {
        previous.metadata = coupon.metadata;
        coupon.metadata = mergeMetadata(coupon.metadata, metadata);
      }
      ctx.emulator.emit(ctx.account, "coupon.updated", coupon, previous);
      return render(ctx.account, coupon, ctx.expand);
    },
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/coupons\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const { account } = ctx;
      const coupon = getCoupon(account, ctx.pathParams[0]);
      deleteCoupon(ctx.emulator, account, coupon);
      return { id: coupon.id, object: "coupon", deleted: true };
    },
  },
];

/** Deletes a coupon: no new redemptions, its promotion codes become permanently inactive. */
export function deleteCoupon(emulator: Emulator, account: Account, coupon: CouponObject): void {
  account.coupons.delete(coupon.id);
  coupon.valid = false;
  account.deletedCoupons.set(coupon.id, coupon);
  const deactivated: PromotionCodeObject[] = [];
  for (const promo of account.promotionCodes.values()) {
    if (promo.promotion.coupon !== coupon.id) continue;
    account.orphanedPromotionCodes.add(promo.id);
    if (promo.active) {
      promo.active = false;
      deactivated.push(promo);
    }
  }
  emulator.emit(account, "coupon.deleted", coupon);
  for (const promo of deactivated) {
    emulator.emit(account, "promotion_code.updated", promo, { active: true });
  }
}
