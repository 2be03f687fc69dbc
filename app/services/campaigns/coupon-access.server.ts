/**
 * What every coupon and code write checks first, shared by campaign coupons and affiliate codes:
 * the brand's plan allows coupons, and the brand's Stripe account is connected. Also the
 * dependencies those writes take (the config for the brand's Stripe client).
 */
import type { Kysely } from "kysely";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import { couponError, type CouponError } from "~/domain/coupon";
import { canCreateCoupons, PLAN_REQUIRED_MESSAGE } from "~/domain/plan";

export interface CouponDeps {
  config: Pick<Config, "encryptionKey" | "stripeApiBase" | "isProduction">;
}

export const NOT_CONNECTED_MESSAGE =
  "Connect your Stripe account (Settings → Stripe) before creating coupons and codes.";

/** `plan_required` unless the brand is on Growth/Scale or in its trial. Unknown brand: not_found. */
export async function checkCouponPlan(db: DB, brandId: string): Promise<CouponError | null> {
  const brand = await db
    .selectFrom("brands")
    .select(["plan", "trial_ends_at"])
    .where("id", "=", brandId)
    .executeTakeFirst();
  if (!brand) return couponError("not_found", "Brand not found.");
  return canCreateCoupons(brand) ? null : couponError("plan_required", PLAN_REQUIRED_MESSAGE);
}

/** Whether the brand may create coupons now (for the UI's upgrade notice). */
export async function brandCanCreateCoupons(db: DB, brandId: string): Promise<boolean> {
  return (await checkCouponPlan(db, brandId)) === null;
}

export async function isStripeConnected(
  db: DB | Kysely<Database>,
  brandId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("stripe_connections")
    .select("brand_id")
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  return Boolean(row);
}
