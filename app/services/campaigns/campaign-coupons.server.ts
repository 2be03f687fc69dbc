/**
 * Campaign coupon writes: one Stripe coupon per row, created with the brand's own key. Create and
 * update (reserve -> Stripe outside the transaction -> record), soft delete and the Stripe
 * deletion job, and the `coupon.deleted` echo from Stripe. Used by the brand UI, the session-auth
 * resource routes, the REST API and jobs. Every query is scoped by brand; another brand's id
 * behaves exactly like an unknown id (`not_found`).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { CampaignCoupon } from "~/db/schema";
import {
  campaignCouponColumns,
  campaignCouponCreateSchema,
  campaignCouponUpdateSchema,
  couponError,
  type CampaignCouponCreateInput,
  type CampaignCouponUpdateInput,
  type CouponError,
  type CouponResult,
  zodCouponError,
} from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { isStripeError, type Stripe, stripeErrorMessage } from "~/stripe/client.server";
import { inTransaction, Rollback } from "~/db/tx.server";
import { queueStripeCouponDeletion } from "./campaign-coupon-deletion.server";
import { settleCampaignCoupon } from "./campaign-coupon-stripe.server";
import {
  checkCouponPlan,
  type CouponDeps,
  isStripeConnected,
  NOT_CONNECTED_MESSAGE,
} from "./coupon-access.server";
import { stripeForBrand } from "../stripe-account/stripe-connection.server";
import { queueSettle } from "../stripe-account/stripe-writes.server";

// The deletion job's task id and body, where jobs/tasks/coupons.ts imports them.
export {
  DELETE_STRIPE_COUPON_TASK,
  runDeleteStripeCoupon,
} from "./campaign-coupon-deletion.server";

export {
  campaignCouponCreateSchema,
  campaignCouponUpdateSchema,
  type CampaignCouponCreateInput,
  type CampaignCouponUpdateInput,
} from "~/domain/coupon";

/** Coupon create params Stripe names -> this API's params. */
const STRIPE_COUPON_PARAMS: Record<string, string> = {
  percent_off: "discount.percent_off",
  amount_off: "discount.amount_off",
  currency: "discount.currency",
};

function stripeCouponError(error: unknown): CouponError {
  const message = stripeErrorMessage(error);
  if (isStripeError(error) && error.param) {
    return couponError("stripe_error", message, STRIPE_COUPON_PARAMS[error.param] ?? error.param);
  }
  return couponError("stripe_error", message);
}

/** `stripePending`: Stripe has not confirmed yet (Rekomi finishes it in the background). */
export type CouponWriteResult = CouponResult<{
  coupon: CampaignCoupon;
  stripePending: string | null;
}>;

// ---------------------------------------------------------------------------------------------
// Create

/**
 * Create a campaign coupon and its Stripe coupon (metadata.rekomi_campaign_coupon_id = row id).
 * The row is inserted first in a transaction, Stripe is called, and the Stripe id stored; when
 * Stripe refuses, the transaction rolls back (nothing written) and Stripe's reason is returned.
 */
export async function createCampaignCoupon(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  campaignId: string,
  input: CampaignCouponCreateInput,
): Promise<CouponWriteResult> {
  if (!isUuid(campaignId))
    return { ok: false, error: couponError("not_found", "Campaign not found.") };
  const campaign = await db
    .selectFrom("campaigns")
    .select("id")
    .where("brand_id", "=", brandId)
    .where("id", "=", campaignId)
    .executeTakeFirst();
  if (!campaign) return { ok: false, error: couponError("not_found", "Campaign not found.") };
  const planError = await checkCouponPlan(db, brandId);
  if (planError) return { ok: false, error: planError };
  const parsed = campaignCouponCreateSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: zodCouponError(parsed.error) };
  const stripe = await stripeForBrand(db, deps.config, brandId);
  if (!stripe) return { ok: false, error: couponError("invalid_request", NOT_CONNECTED_MESSAGE) };

  // Reserve (pending_stripe + safety-net job) -> Stripe outside the transaction -> record.
  const reserved = await inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto("campaign_coupons")
      .values({
        ...campaignCouponColumns(parsed.data),
        brand_id: brandId,
        campaign_id: campaignId,
        stripe_status: "pending_stripe",
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await queueSettle(trx, brandId, { kind: "campaign_coupon", id: row.id });
    return row;
  });
  const settled = await settleCampaignCoupon(db, deps, reserved.id, {
    interactive: true,
    onRefusedCreate: "delete",
  });
  switch (settled.state) {
    case "synced":
      return { ok: true, coupon: settled.coupon, stripePending: null };
    case "pending":
      return { ok: true, coupon: settled.coupon, stripePending: settled.message };
    case "refused":
      return { ok: false, error: stripeCouponError(settled.error) };
    case "gone":
      return { ok: false, error: couponError("not_found", "Coupon not found.") };
  }
}

// ---------------------------------------------------------------------------------------------
// Update

/** Rename (in Stripe too) and/or flip the toggles. Discount terms cannot change (Stripe rule). */
export async function updateCampaignCoupon(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  id: string,
  input: CampaignCouponUpdateInput,
): Promise<CouponWriteResult> {
  const parsed = campaignCouponUpdateSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: zodCouponError(parsed.error) };
  const patch = parsed.data;
  if (!isUuid(id)) return { ok: false, error: couponError("not_found", "Coupon not found.") };
  let stripeRename = false;
  try {
    const coupon = await inTransaction(db, async (trx) => {
      const current = await trx
        .selectFrom("campaign_coupons")
        .selectAll()
        .where("brand_id", "=", brandId)
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new Rollback(couponError("not_found", "Coupon not found."));
      const renamed = patch.name !== undefined && patch.name !== current.name;
      // A coupon deleted in Stripe cannot be renamed there; the Rekomi name still changes.
      stripeRename = renamed && current.stripe_coupon_id !== null && current.active;
      if (stripeRename && !(await isStripeConnected(trx, brandId)))
        throw new Rollback(couponError("invalid_request", NOT_CONNECTED_MESSAGE));
      const row = await trx
        .updateTable("campaign_coupons")
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.overrides_click_attribution !== undefined
            ? { overrides_click_attribution: patch.overrides_click_attribution }
            : {}),
          ...(patch.allow_affiliate_self_service !== undefined
            ? { allow_affiliate_self_service: patch.allow_affiliate_self_service }
            : {}),
          ...(patch.max_codes_per_affiliate !== undefined
            ? { max_codes_per_affiliate: patch.max_codes_per_affiliate }
            : {}),
          ...(stripeRename ? { stripe_status: "pending_stripe" as const } : {}),
          updated_at: sql<Date>`now()`,
        })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (stripeRename) await queueSettle(trx, brandId, { kind: "campaign_coupon", id: row.id });
      return row;
    });
    if (!stripeRename) return { ok: true, coupon, stripePending: null };
    // The rename in Stripe, outside the transaction (the new name stands in Rekomi either way).
    const settled = await settleCampaignCoupon(db, deps, coupon.id, {
      interactive: true,
      onRefusedCreate: "mark",
    });
    if (settled.state === "gone")
      return { ok: false, error: couponError("not_found", "Coupon not found.") };
    if (settled.state === "refused") return { ok: false, error: stripeCouponError(settled.error) };
    return {
      ok: true,
      coupon: settled.coupon,
      stripePending: settled.state === "pending" ? settled.message : null,
    };
  } catch (error) {
    if (error instanceof Rollback) return { ok: false, error: error.result as CouponError };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Delete (soft) + the Stripe deletion job

/**
 * Soft-delete the coupon: it and its codes stop working in Rekomi at once, and a job deletes the
 * Stripe coupon (which makes its promotion codes inactive) with retries. Never waits for Stripe.
 */
export async function deleteCampaignCoupon(
  db: DB,
  brandId: string,
  id: string,
): Promise<CouponResult<{ coupon: CampaignCoupon }>> {
  if (!isUuid(id)) return { ok: false, error: couponError("not_found", "Coupon not found.") };
  return inTransaction(db, async (trx) => {
    const coupon = await trx
      .updateTable("campaign_coupons")
      .set({
        deleted_at: sql<Date>`now()`,
        active: false,
        inactive_reason: "deleted",
        stripe_sync_error: null,
        updated_at: sql<Date>`now()`,
      })
      .where("brand_id", "=", brandId)
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!coupon) return { ok: false, error: couponError("not_found", "Coupon not found.") };
    await trx
      .updateTable("affiliate_coupons")
      .set({ active: false, inactive_reason: "coupon_deleted", updated_at: sql<Date>`now()` })
      .where("brand_id", "=", brandId)
      .where("campaign_coupon_id", "=", coupon.id)
      .where("active", "=", true)
      .execute();
    if (coupon.stripe_coupon_id && !coupon.stripe_deleted_at)
      await queueStripeCouponDeletion(trx, coupon.id);
    return { ok: true, coupon };
  });
}

// ---------------------------------------------------------------------------------------------
// Stripe -> Rekomi sync

/**
 * `coupon.deleted`: the Stripe coupon is gone (deleted in the dashboard, or by our own job). A
 * coupon still live in Rekomi and its codes become inactive ('deleted_in_stripe'). Resolved by
 * the stored stripe_coupon_id, falling back to metadata.rekomi_campaign_coupon_id. Idempotent.
 */
export async function handleCouponDeleted(
  db: DB,
  brandId: string,
  coupon: Pick<Stripe.Coupon, "id"> & { metadata?: Stripe.Metadata | null },
): Promise<"updated" | "unchanged" | "unknown"> {
  let row = await db
    .selectFrom("campaign_coupons")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("stripe_coupon_id", "=", coupon.id)
    .executeTakeFirst();
  const metaId = coupon.metadata?.rekomi_campaign_coupon_id;
  if (!row && isUuid(metaId)) {
    row = await db
      .selectFrom("campaign_coupons")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("id", "=", metaId)
      .executeTakeFirst();
  }
  if (!row) return "unknown";
  const now = sql<Date>`now()`;
  if (row.deleted_at) {
    // Our own deletion job's echo: just record that Stripe confirmed it.
    if (row.stripe_deleted_at) return "unchanged";
    await db
      .updateTable("campaign_coupons")
      .set({ stripe_deleted_at: now, stripe_sync_error: null })
      .where("id", "=", row.id)
      .execute();
    return "updated";
  }
  await db
    .updateTable("campaign_coupons")
    .set({
      active: false,
      inactive_reason: "deleted_in_stripe",
      stripe_deleted_at: row.stripe_deleted_at ?? now,
      updated_at: now,
    })
    .where("id", "=", row.id)
    .execute();
  await db
    .updateTable("affiliate_coupons")
    .set({ active: false, inactive_reason: "deleted_in_stripe", updated_at: now })
    .where("brand_id", "=", brandId)
    .where("campaign_coupon_id", "=", row.id)
    .where("deleted_at", "is", null)
    .where((eb) =>
      eb.or([eb("active", "=", true), eb("inactive_reason", "=", "deactivated_in_stripe")]),
    )
    .execute();
  return "updated";
}
