import { DELETE_STRIPE_COUPON_TASK, deleteStripeCouponPayload } from "../../app/db/job-registry";
import { runDeleteStripeCoupon } from "../../app/services/campaigns/campaign-coupons.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/**
 * `coupons__delete_stripe_coupon { campaignCouponId }`: delete the Stripe coupon of a soft-deleted
 * campaign coupon. Idempotent; a failure is recorded on the row and rethrown so graphile-worker
 * retries with backoff.
 */
export function couponTasks(deps: JobDeps): Record<string, ParsedTask> {
  return {
    [DELETE_STRIPE_COUPON_TASK]: parsedTask(
      DELETE_STRIPE_COUPON_TASK,
      deleteStripeCouponPayload,
      async ({ campaignCouponId }) => {
        await runDeleteStripeCoupon(deps.db, { config: deps.config }, campaignCouponId);
      },
    ),
  };
}
