/**
 * Campaign coupons <-> Stripe coupons, by the Stripe-write pattern (stripe-writes.server.ts):
 * `settleCampaignCoupon` makes Stripe match a `pending_stripe` row (created with the row id as
 * idempotency key and in `metadata.rekomi_campaign_coupon_id`; renamed) and records the outcome.
 * Deleting a coupon in Stripe stays the `coupons__delete_stripe_coupon` job
 * (campaign-coupon-deletion.server.ts), which retries until Stripe confirms.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { CampaignCoupon } from "~/db/schema";
import type { Stripe } from "~/stripe/client.server";
import { type CouponDeps } from "./coupon-access.server";
import { queueStripeCouponDeletion } from "./campaign-coupon-deletion.server";
import { stripeForBrand } from "../stripe-account/stripe-connection.server";
import {
  callStripe,
  dropReservation,
  settleSoon,
  truncateSyncError as truncate,
} from "../stripe-account/stripe-writes.server";

export const couponIdempotencyKey = (id: string) => `rekomi-campaign-coupon-${id}`;

/** The create params: a pure function of the row, so a retry sends the very same request. */
export function couponCreateParams(row: CampaignCoupon): Stripe.CouponCreateParams {
  const params: Stripe.CouponCreateParams = {
    name: row.name,
    duration: row.duration,
    metadata: { rekomi_campaign_coupon_id: row.id, rekomi_campaign_id: row.campaign_id },
  };
  if (row.discount_type === "percent") params.percent_off = (row.percent_off_bps ?? 0) / 100;
  else {
    params.amount_off = row.amount_off ?? undefined;
    params.currency = row.currency ?? undefined;
  }
  if (row.duration === "repeating") params.duration_in_months = row.duration_in_months ?? 1;
  if (row.max_redemptions !== null) params.max_redemptions = row.max_redemptions;
  if (row.redeem_by) params.redeem_by = Math.floor(new Date(row.redeem_by).getTime() / 1000);
  return params;
}

export type CouponSettleResult =
  | { state: "synced"; coupon: CampaignCoupon }
  | { state: "pending"; coupon: CampaignCoupon; message: string }
  | { state: "refused"; error: unknown; message: string; coupon?: CampaignCoupon }
  | { state: "gone" };

/**
 * Make Stripe hold the row's coupon (create, or rename) and record `synced`; an unclear outcome
 * leaves it `pending_stripe` with the reason. A soft-deleted row whose create was never confirmed
 * is created with the same key (Stripe replays the first result) so the deletion job can delete it.
 */
export async function settleCampaignCoupon(
  db: DB,
  deps: CouponDeps,
  id: string,
  opts: { interactive?: boolean; onRefusedCreate: "delete" | "mark" },
): Promise<CouponSettleResult> {
  const result = await settleCoupon(db, deps, id, opts);
  // A request that could not settle hands over to the job at once (a job retries by itself).
  if (result.state === "pending" && opts.interactive)
    await settleSoon(db, result.coupon.brand_id, { kind: "campaign_coupon", id });
  return result;
}

async function settleCoupon(
  db: DB,
  deps: CouponDeps,
  id: string,
  opts: { interactive?: boolean; onRefusedCreate: "delete" | "mark" },
): Promise<CouponSettleResult> {
  for (let round = 0; round < 3; round++) {
    const row = await db
      .selectFrom("campaign_coupons")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return { state: "gone" };
    if (row.stripe_status === "synced") return { state: "synced", coupon: row };
    const stripe = await stripeForBrand(db, deps.config, row.brand_id);
    if (!stripe) return pending(db, row, "Stripe is not connected.");
    const call = { interactive: opts.interactive };
    if (!row.stripe_coupon_id) {
      const created = await createStripeCoupon(db, stripe, row, call, opts.onRefusedCreate);
      if (created === "again") continue;
      return created;
    }
    if (row.deleted_at || !row.active) {
      // Deletion is the deletion job's business; nothing to name.
      const coupon = await markSynced(db, row);
      if (coupon) return { state: "synced", coupon };
      continue;
    }
    const stripeId = row.stripe_coupon_id;
    const renamed = await callStripe(
      row.brand_id,
      (ro) => stripe.coupons.update(stripeId, { name: row.name }, ro),
      call,
    );
    if (renamed.kind === "unclear") return pending(db, row, renamed.message);
    if (renamed.kind === "refused") {
      // The new name stands in Rekomi; Stripe's reason is shown on the coupon.
      const coupon = await markSynced(db, row, renamed.message);
      if (coupon)
        return { state: "refused", error: renamed.error, message: renamed.message, coupon };
      continue;
    }
    const coupon = await markSynced(db, row);
    if (coupon) return { state: "synced", coupon };
  }
  const row = await db
    .selectFrom("campaign_coupons")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row
    ? { state: "pending", coupon: row, message: "The coupon kept changing; retrying." }
    : { state: "gone" };
}

/**
 * The create half of a settle: create the Stripe coupon (idempotent on the row id) and record its
 * id. "again" when the row was renamed meanwhile (the id is kept; the name settles next round).
 */
async function createStripeCoupon(
  db: DB,
  stripe: NonNullable<Awaited<ReturnType<typeof stripeForBrand>>>,
  row: CampaignCoupon,
  call: { interactive?: boolean },
  onRefusedCreate: "delete" | "mark",
): Promise<CouponSettleResult | "again"> {
  const created = await callStripe(
    row.brand_id,
    (ro) => stripe.coupons.create(couponCreateParams(row), ro),
    { ...call, idempotencyKey: couponIdempotencyKey(row.id) },
  );
  if (created.kind === "unclear") return pending(db, row, created.message);
  if (created.kind === "refused") return refusedCreate(db, row, created, onRefusedCreate);
  const coupon = await db
    .updateTable("campaign_coupons")
    .set({
      stripe_coupon_id: created.value.id,
      stripe_status: "synced",
      stripe_sync_error: null,
    })
    .where("id", "=", row.id)
    .where("stripe_coupon_id", "is", null)
    .where("name", "=", row.name)
    .returningAll()
    .executeTakeFirst();
  if (coupon) {
    // Deleted before Stripe confirmed the create: the deletion job removes it now.
    if (coupon.deleted_at) await queueStripeCouponDeletion(db, coupon.id);
    return { state: "synced", coupon };
  }
  // Renamed meanwhile: keep the id, settle the name next round.
  await db
    .updateTable("campaign_coupons")
    .set({ stripe_coupon_id: created.value.id })
    .where("id", "=", row.id)
    .where("stripe_coupon_id", "is", null)
    .execute();
  return "again";
}

/** `synced` if the name is still the one Stripe was given. */
function markSynced(db: DB, row: CampaignCoupon, error: string | null = null) {
  return db
    .updateTable("campaign_coupons")
    .set({ stripe_status: "synced", stripe_sync_error: error ? truncate(error) : null })
    .where("id", "=", row.id)
    .where("name", "=", row.name)
    .returningAll()
    .executeTakeFirst();
}

async function pending(db: DB, row: CampaignCoupon, message: string): Promise<CouponSettleResult> {
  const coupon = await db
    .updateTable("campaign_coupons")
    .set({ stripe_sync_error: truncate(message) })
    .where("id", "=", row.id)
    .returningAll()
    .executeTakeFirst();
  return { state: "pending", coupon: coupon ?? row, message };
}

async function refusedCreate(
  db: DB,
  row: CampaignCoupon,
  refused: { error: unknown; message: string },
  mode: "delete" | "mark",
): Promise<CouponSettleResult> {
  if (mode === "delete") {
    await dropReservation(db, row.brand_id, { kind: "campaign_coupon", id: row.id });
    return { state: "refused", error: refused.error, message: refused.message };
  }
  const coupon = await db
    .updateTable("campaign_coupons")
    .set({
      active: false,
      inactive_reason: "stripe_refused",
      deleted_at: row.deleted_at ?? sql<Date>`now()`,
      stripe_deleted_at: sql<Date>`now()`,
      stripe_status: "synced",
      stripe_sync_error: truncate(refused.message),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", row.id)
    .returningAll()
    .executeTakeFirst();
  return { state: "refused", error: refused.error, message: refused.message, coupon };
}
