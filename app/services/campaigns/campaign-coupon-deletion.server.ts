/**
 * The Stripe side of deleting a campaign coupon: the deletion job (`coupons__delete_stripe_coupon`,
 * deduplicated per coupon), queued when the coupon is soft-deleted or when the brand retries, and
 * its body, which deletes the Stripe coupon (a 404 counts as done) and records failures on the row.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { addJob } from "~/db/jobs.server";
import { couponError, type CouponResult } from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { inTransaction } from "~/db/tx.server";
import { isStripeError, stripeErrorMessage } from "~/stripe/client.server";
import type { CouponDeps } from "./coupon-access.server";
import { stripeForBrand } from "../stripe-account/stripe-connection.server";
import { isStripeNotFound, truncateSyncError } from "../stripe-account/stripe-writes.server";
import { DELETE_STRIPE_COUPON_TASK, deleteCouponJobKey } from "~/db/job-registry";

export { DELETE_STRIPE_COUPON_TASK };
export { deleteCouponJobKey };

/** Queue the Stripe deletion job of a soft-deleted coupon (deduplicated per coupon). */
export async function queueStripeCouponDeletion(db: DB, id: string): Promise<void> {
  await addJob(
    db,
    DELETE_STRIPE_COUPON_TASK,
    { campaignCouponId: id },
    { jobKey: deleteCouponJobKey(id) },
  );
}

/** Re-queue the Stripe deletion of a deleted coupon now (after a visible failure). */
export async function retryStripeCouponDeletion(
  db: DB,
  brandId: string,
  id: string,
): Promise<CouponResult<object>> {
  if (!isUuid(id)) return { ok: false, error: couponError("not_found", "Coupon not found.") };
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom("campaign_coupons")
      .select(["id"])
      .where("brand_id", "=", brandId)
      .where("id", "=", id)
      .where("deleted_at", "is not", null)
      .where("stripe_deleted_at", "is", null)
      .where("stripe_coupon_id", "is not", null)
      .executeTakeFirst();
    if (!row) return { ok: false, error: couponError("not_found", "Coupon not found.") };
    await queueStripeCouponDeletion(trx, row.id);
    return { ok: true };
  });
}

export type DeleteStripeCouponOutcome = "deleted" | "already_gone" | "nothing_to_do";

/**
 * Job body: delete the Stripe coupon of a soft-deleted campaign coupon. Idempotent (done rows are
 * skipped; a 404 from Stripe counts as done). On failure the reason is stored in
 * `stripe_sync_error` (shown in the UI) and the error rethrown so graphile-worker retries.
 */
export async function runDeleteStripeCoupon(
  db: DB,
  deps: CouponDeps,
  campaignCouponId: string,
): Promise<DeleteStripeCouponOutcome> {
  if (!isUuid(campaignCouponId)) return "nothing_to_do";
  const row = await db
    .selectFrom("campaign_coupons")
    .select(["id", "brand_id", "stripe_coupon_id", "deleted_at", "stripe_deleted_at"])
    .where("id", "=", campaignCouponId)
    .executeTakeFirst();
  if (!row || !row.deleted_at || row.stripe_deleted_at || !row.stripe_coupon_id)
    return "nothing_to_do";
  const markDone = () =>
    db
      .updateTable("campaign_coupons")
      .set({ stripe_deleted_at: sql<Date>`now()`, stripe_sync_error: null })
      .where("id", "=", row.id)
      .where("brand_id", "=", row.brand_id)
      .execute();
  let outcome: DeleteStripeCouponOutcome = "deleted";
  try {
    const stripe = await stripeForBrand(db, deps.config, row.brand_id);
    if (!stripe)
      throw new Error("Stripe is not connected, so the Stripe coupon could not be deleted.");
    try {
      await stripe.coupons.del(row.stripe_coupon_id);
    } catch (error) {
      if (!isStripeNotFound(error)) throw error;
      outcome = "already_gone";
    }
  } catch (error) {
    const message = isStripeError(error)
      ? stripeErrorMessage(error)
      : error instanceof Error
        ? error.message
        : String(error);
    await db
      .updateTable("campaign_coupons")
      .set({ stripe_sync_error: truncateSyncError(message || "Unknown error") })
      .where("id", "=", row.id)
      .where("brand_id", "=", row.brand_id)
      .execute();
    throw error;
  }
  await markDone();
  return outcome;
}
