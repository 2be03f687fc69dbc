import {
  STRIPE_RECONCILE_TASK,
  STRIPE_SETTLE_TASK,
  stripeReconcilePayload,
  stripeSettlePayload,
} from "../../app/db/job-registry";
import { settleAffiliateCode } from "../../app/services/campaigns/affiliate-code-stripe.server";
import { settleCampaignCoupon } from "../../app/services/campaigns/campaign-coupon-stripe.server";
import { reconcileBrandStripe } from "../../app/services/stripe-account/stripe-reconcile.server";
import { SettleLater } from "../../app/services/stripe-account/stripe-writes.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/**
 * `stripe__settle { kind, id }`: make Stripe match one `pending_stripe` row (the Stripe-write
 * pattern, app/services/stripe-account/stripe-writes.server.ts); throws while Stripe cannot confirm, so
 * graphile-worker retries with backoff until it does.
 * `stripe__reconcile { brandId }`: the brand reconciliation (adopt or deactivate tagged objects).
 */
export function stripeWriteTasks(deps: JobDeps): Record<string, ParsedTask> {
  const couponDeps = { config: deps.config };
  return {
    [STRIPE_SETTLE_TASK]: parsedTask(
      STRIPE_SETTLE_TASK,
      stripeSettlePayload,
      async ({ kind, id }) => {
        const settle = kind === "affiliate_coupon" ? settleAffiliateCode : settleCampaignCoupon;
        const result = await settle(deps.db, couponDeps, id, { onRefusedCreate: "mark" });
        if (result.state === "pending") throw new SettleLater(result.message);
      },
    ),
    [STRIPE_RECONCILE_TASK]: parsedTask(
      STRIPE_RECONCILE_TASK,
      stripeReconcilePayload,
      async ({ brandId }) => {
        const result = await reconcileBrandStripe(deps.db, couponDeps, brandId);
        if (result.pending > 0)
          throw new SettleLater(`${result.pending} Stripe write(s) still pending`);
      },
    ),
  };
}
