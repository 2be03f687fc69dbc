import type { TaskList } from "graphile-worker";
import { z } from "zod";
import { settleAffiliateCode } from "../../app/services/campaigns/affiliate-code-stripe.server";
import { settleCampaignCoupon } from "../../app/services/campaigns/campaign-coupon-stripe.server";
import { reconcileBrandStripe } from "../../app/services/stripe-account/stripe-reconcile.server";
import {
  SettleLater,
  STRIPE_RECONCILE_TASK,
  STRIPE_SETTLE_TASK,
} from "../../app/services/stripe-account/stripe-writes.server";
import type { JobDeps } from "./index";

const settlePayload = z.object({
  kind: z.enum(["affiliate_coupon", "campaign_coupon"]),
  id: z.uuid(),
});
const reconcilePayload = z.object({ brandId: z.uuid() });

/**
 * `stripe__settle { kind, id }`: make Stripe match one `pending_stripe` row (the Stripe-write
 * pattern, app/services/stripe-account/stripe-writes.server.ts); throws while Stripe cannot confirm, so
 * graphile-worker retries with backoff until it does.
 * `stripe__reconcile { brandId }`: the brand reconciliation (adopt or deactivate tagged objects).
 */
export function stripeWriteTasks(deps: JobDeps): TaskList {
  const couponDeps = { config: deps.config };
  return {
    [STRIPE_SETTLE_TASK]: async (payload, helpers) => {
      const parsed = settlePayload.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${STRIPE_SETTLE_TASK}: invalid payload ${JSON.stringify(payload)}`);
        return;
      }
      const { kind, id } = parsed.data;
      const settle = kind === "affiliate_coupon" ? settleAffiliateCode : settleCampaignCoupon;
      const result = await settle(deps.db, couponDeps, id, { onRefusedCreate: "mark" });
      if (result.state === "pending") throw new SettleLater(result.message);
    },
    [STRIPE_RECONCILE_TASK]: async (payload, helpers) => {
      const parsed = reconcilePayload.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(
          `${STRIPE_RECONCILE_TASK}: invalid payload ${JSON.stringify(payload)}`,
        );
        return;
      }
      const result = await reconcileBrandStripe(deps.db, couponDeps, parsed.data.brandId);
      if (result.pending > 0)
        throw new SettleLater(`${result.pending} Stripe write(s) still pending`);
    },
  };
}
