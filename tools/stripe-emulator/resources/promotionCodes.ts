import { invalidRequest, resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { newId, newPromotionCodeText, nowSeconds } from "../ids.js";
import { mergeMetadata, newMetadata, Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";
import type { Account } from "../state.js";
import type { PromotionCodeObject } from "../types.js";
import { couponIsValid } from "./coupons.js";

const CODE_PATTERN = /^[a-zA-Z0-9-]+$/;

export function getPromotionCode(
  account: Account,
  id: string,
  param = "id",
  status: 404 | 400 = 404,
): PromotionCodeObject {
  const promo = account.promotionCodes.get(id);
  if (!promo) throw resourceMissing("promotion code", id, param, status);
  return promo;
}

/** The active promotion code with this text (case-insensitive), if any. */
export function findActiveCode(account: Account, code: string): PromotionCodeObject | undefined {
  const wanted = code.toLowerCase();
  for (const promo of account.promotionCodes.values()) {
    if (promo.active && promo.code.toLowerCase() === wanted) return promo;
  }
  return undefined;
}

function assertUniqueActive(account: Account, code: string, exceptId?: string): void {
  const existing = findActiveCode(account, code);
  if (existing && existing.id !== exceptId) {
    throw invalidRequest(
      `An active promotion code with \`code: ${code}\` already exists.`,
      "code",
      "resource_already_exists",
    );
  }
}

/** Whether a promotion code can be redeemed now (ignores currency/amount restrictions). */
export function promotionCodeUsable(account: Account, promo: PromotionCodeObject): string | null {
  const now = nowSeconds();
  if (!promo.active) return "This promotion code is inactive.";
  if (promo.expires_at !== null && promo.expires_at <= now) {
    return "This promotion code has expired.";
  }
  if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions) {
    return "This promotion code has reached its maximum number of redemptions.";
  }
  const coupon = account.coupons.get(promo.promotion.coupon);
  if (!coupon) return "This promotion code's coupon has been deleted.";
  if (!couponIsValid(coupon, now)) return "This promotion code's coupon is no longer valid.";
  return null;
}

export const promotionCodeRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/promotion_codes$/,
    handler: (ctx) => {
      const { account } = ctx;
      const p = new Params(ctx.params, [
        "promotion",
        "active",
        "code",
        "customer",
        "customer_account",
        "expires_at",
        "max_redemptions",
        "metadata",
        "restrictions",
      ]);
      const promotion = p.obj("promotion", ["type", "coupon"], { required: true });
      const restrictions = p.obj("restrictions", [
        "currency_options",
        "first_time_transaction",
        "minimum_amount",
        "minimum_amount_currency",
      ]);
      if (!promotion) throw invalidRequest("Missing required param: promotion.", "promotion");
      promotion.enumOf("type", ["coupon"] as const, { required: true });
      const couponId = promotion.str("coupon", { required: true }) ?? "";
      const coupon = account.coupons.get(couponId);
      if (!coupon) throw resourceMissing("coupon", couponId, "promotion[coupon]", 400);

      const active = p.bool("active") ?? true;
      const codeParam = p.str("code", { maxLength: 500 });
      const customer = p.str("customer");
      const expiresAt = p.int("expires_at");
      const maxRedemptions = p.int("max_redemptions", { min: 1 });
      const metadata = p.metadata();
      const minimumAmount = restrictions?.int("minimum_amount", { min: 1 });
      const minimumCurrency = restrictions?.str("minimum_amount_currency")?.toLowerCase();
      const firstTime = restrictions?.bool("first_time_transaction") ?? false;

      if (codeParam !== undefined && !CODE_PATTERN.test(codeParam)) {
        throw invalidRequest(
          "Invalid code: promotion codes can only contain alphanumeric characters (a-z, A-Z, 0-9) and dashes (-).",
          "code",
        );
      }
      if (!couponIsValid(coupon)) {
        throw invalidRequest(
          `Coupon ${coupon.id} is no longer valid and cannot be used to create promotion codes.`,
          "promotion[coupon]",
          "coupon_expired",
        );
      }
      if (maxRedemptions !== undefined && coupon.max_redemptions !== null) {
        if (maxRedemptions > coupon.max_redemptions) {
          throw invalidRequest(
            `The promotion code's max_redemptions (${maxRedemptions}) cannot be greater than the coupon's max_redemptions (${coupon.max_redemptions}).`,
            "max_redemptions",
          );
        }
      }
      const now = nowSeconds();
      if (expiresAt !== undefined) {
        if (expiresAt <= now) {
          throw invalidRequest("Invalid expires_at: must be in the future.", "expires_at");
        }
        if (coupon.redeem_by !== null && expiresAt > coupon.redeem_by) {
          throw invalidRequest(
            "The promotion code's expires_at cannot be later than the coupon's redeem_by.",
            "expires_at",
          );
        }
      }
      if (customer !== undefined && !account.customers.has(customer)) {
        throw resourceMissing("customer", customer, "customer", 400);
      }
      if (minimumAmount !== undefined && !minimumCurrency) {
        throw invalidRequest(
          "You must pass minimum_amount_currency when passing minimum_amount.",
          "restrictions[minimum_amount_currency]",
          "parameter_missing",
        );
      }
      let code = codeParam;
      if (code === undefined) {
        do code = newPromotionCodeText();
        while (findActiveCode(account, code));
      } else if (active) {
        assertUniqueActive(account, code);
      }
      const promo: PromotionCodeObject = {
        id: newId("promo", 24),
        object: "promotion_code",
        active,
        code,
        created: now,
        customer: customer ?? null,
        customer_account: null,
        expires_at: expiresAt ?? null,
        livemode: account.livemode,
        max_redemptions: maxRedemptions ?? null,
        metadata: newMetadata(metadata),
        promotion: { type: "coupon", coupon: coupon.id },
        restrictions: {
          first_time_transaction: firstTime,
          minimum_amount: minimumAmount ?? null,
          minimum_amount_currency: minimumAmount !== undefined ? (minimumCurrency ?? null) : null,
        },
        times_redeemed: 0,
      };
      account.promotionCodes.set(promo.id, promo);
      ctx.emulator.emit(account, "promotion_code.created", promo);
      return render(account, promo, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/promotion_codes$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        ...LIST_KEYS,
        "active",
        "code",
        "coupon",
        "customer",
        "customer_account",
      ]);
      const active = p.bool("active");
      const code = p.str("code")?.toLowerCase();
      const coupon = p.str("coupon");
      const customer = p.str("customer");
      const items = [...ctx.account.promotionCodes.values()].filter(
        (promo) =>
          (active === undefined || promo.active === active) &&
          (code === undefined || promo.code.toLowerCase() === code) &&
          (coupon === undefined || promo.promotion.coupon === coupon) &&
          (customer === undefined || promo.customer === customer),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/promotion_codes\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      return render(ctx.account, getPromotionCode(ctx.account, ctx.pathParams[0]), ctx.expand);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/promotion_codes\/([^/]+)$/,
    handler: (ctx) => {
      const { account } = ctx;
      const p = new Params(ctx.params, ["active", "metadata", "restrictions"]);
      const promo = getPromotionCode(account, ctx.pathParams[0]);
      const active = p.bool("active");
      const metadata = p.metadata();
      const restrictions = p.obj("restrictions", ["currency_options"]);
      const previous: Record<string, boolean | Record<string, string>> = {};
      if (active !== undefined && active !== promo.active) {
        if (active) {
          if (
            account.orphanedPromotionCodes.has(promo.id) ||
            !account.coupons.has(promo.promotion.coupon)
          ) {
            throw invalidRequest(
              "This promotion code cannot be reactivated because its coupon has been deleted.",
              "active",
            );
          }
          assertUniqueActive(account, promo.code, promo.id);
        }
        previous.active = promo.active;
        promo.active = active;
      }
      if (metadata !== undefined) {
        previous.metadata = promo.metadata;
        promo.metadata = mergeMetadata(promo.metadata, metadata);
      }
      const currencyOptions = restrictions?.obj("currency_options", null);
      if (currencyOptions) {
        const options: Record<string, { minimum_amount: number }> = {
          ...promo.restrictions.currency_options,
        };
        for (const cur of Object.keys(currencyOptions.data)) {
          const opt = currencyOptions.obj(cur, ["minimum_amount"]);
          const min = opt?.int("minimum_amount", { min: 0 });
          if (min !== undefined) options[cur.toLowerCase()] = { minimum_amount: min };
        }
        promo.restrictions.currency_options = options;
      }
      ctx.emulator.emit(account, "promotion_code.updated", promo, previous);
      return render(account, promo, ctx.expand);
    },
  },
];
