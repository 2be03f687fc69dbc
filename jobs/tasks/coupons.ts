import type { TaskList } from "graphile-worker";
import { z } from "zod";
import {
  DELETE_STRIPE_COUPON_TASK,
  runDeleteStripeCoupon,
} from "../../app/services/campaigns/campaign-coupons.server";
import type { JobDeps } from "./index";

const payloadSchema = z.object({ campaignCouponId: z.uuid() });

/**
 * `coupons__delete_stripe_coupon { campaignCouponId }`: delete the Stripe coupon of a soft-deleted
 * campaign coupon. Idempotent; a failure is recorded on the row and rethrown so graphile-worker
 * retries with backoff.
 */
export function couponTasks(deps: JobDeps): TaskList {
  return {
    [DELETE_STRIPE_COUPON_TASK]: async (payload, helpers) => {
      const parsed = payloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(
          `${DELETE_STRIPE_COUPON_TASK}: invalid payload ${JSON.stringify(payload)}`,
        );
        return;
      }
      await runDeleteStripeCoupon(deps.db, { config: deps.config }, parsed.data.campaignCouponId);
    },
  };
}
