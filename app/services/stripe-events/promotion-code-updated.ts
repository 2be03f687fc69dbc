/** `promotion_code.updated`: sync an affiliate code's state from Stripe (campaigns/affiliate-codes). */
import type Stripe from "stripe";
import { handlePromotionCodeUpdated } from "../campaigns/affiliate-codes.server";
import type { StripeEventContext } from "./context";

export async function onPromotionCodeUpdated(ctx: StripeEventContext): Promise<void> {
  const promotionCode = ctx.event.data.object as Stripe.PromotionCode;
  await handlePromotionCodeUpdated(ctx.trx, ctx.brandId, promotionCode);
}
