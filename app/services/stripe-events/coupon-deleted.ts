/** `coupon.deleted`: a campaign coupon deleted in Stripe (campaigns/campaign-coupons). */
import type Stripe from "stripe";
import { handleCouponDeleted } from "../campaigns/campaign-coupons.server";
import type { StripeEventContext } from "./context";

export async function onCouponDeleted(ctx: StripeEventContext): Promise<void> {
  const coupon = ctx.event.data.object as Stripe.Coupon;
  await handleCouponDeleted(ctx.trx, ctx.brandId, coupon);
}
