/**
 * The brand's Stripe reconciliation (issue 15): the `stripe__reconcile` job and
 * `npm run cli -- stripe:reconcile --brand ID`.
 *
 * 1. Promotion codes: every active promotion code of the brand's Stripe account carrying
 *    `metadata.rekomi_affiliate_coupon_id` is matched to its row. A live row that has no promotion
 *    code recorded yet (the create's answer was lost) adopts it; any other (no live row, or the row
 *    already has another promotion code) is deactivated.
 * 2. Coupons: the same with `metadata.rekomi_campaign_coupon_id` (an orphan coupon is deleted).
 * 3. Webhook endpoints (the Stripe connection): an endpoint tagged `metadata.rekomi_brand_id` of
 *    this brand that is not the connection's current one (a connect whose answer was lost, a
 *    reconnect whose cleanup failed) is deleted, so Stripe does not deliver to it for ever.
 * 4. Every row of the brand still `pending_stripe` is settled (retry with the same key, deactivate).
 *
 * Rows of another brand that shares the Stripe account are left alone (a metadata id that names a
 * row of another brand is not ours to judge).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { Stripe } from "~/stripe/client.server";
import { settleAffiliateCode } from "../campaigns/affiliate-code-stripe.server";
import { settleCampaignCoupon } from "../campaigns/campaign-coupon-stripe.server";
import type { CouponDeps } from "../campaigns/coupon-access.server";
import { stripeForBrand } from "./stripe-connection.server";
import { callStripe, isStripeNotFound } from "./stripe-writes.server";

export interface ReconcileResult {
  deactivated: number;
  adopted: number;
  /** Rows still `pending_stripe` afterwards (Stripe unreachable); the jobs keep retrying. */
  pending: number;
}

const PAGE = 100;

/** A Stripe delete that is done, or found the object already gone. */
const isGone = (r: Awaited<ReturnType<typeof callStripe>>) =>
  r.kind === "done" || (r.kind === "refused" && isStripeNotFound(r.error));

async function listAll<T extends { id: string }>(
  page: (startingAfter: string | undefined) => Promise<Stripe.ApiList<T>>,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const list = await page(after);
    out.push(...list.data);
    if (!list.has_more || list.data.length === 0) return out;
    after = list.data[list.data.length - 1].id;
  }
}

export async function reconcileBrandStripe(
  db: DB,
  deps: CouponDeps,
  brandId: string,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { deactivated: 0, adopted: 0, pending: 0 };
  const stripe = await stripeForBrand(db, deps.config, brandId);
  if (!stripe) return result;
  await reconcilePromotionCodes(db, stripe, brandId, result);
  await reconcileCoupons(db, stripe, brandId, result);
  await reconcileWebhookEndpoints(db, stripe, brandId, result);
  await settlePending(db, deps, brandId, result);
  return result;
}

/** 1. Promotion codes carrying Rekomi metadata: adopt the lost answer, or deactivate. */
async function reconcilePromotionCodes(
  db: DB,
  stripe: Stripe,
  brandId: string,
  result: ReconcileResult,
): Promise<void> {
  const promos = await callStripe(brandId, (ro) =>
    listAll((after) =>
      stripe.promotionCodes.list({ active: true, limit: PAGE, starting_after: after }, ro),
    ),
  );
  if (promos.kind !== "done") throw new Error(`Listing promotion codes failed: ${promos.message}`);
  const tagged = promos.value.filter((p) => p.metadata?.rekomi_affiliate_coupon_id);
  const codeRows = await rowsById(
    db,
    "affiliate_coupons",
    tagged.map((p) => p.metadata!.rekomi_affiliate_coupon_id),
  );
  for (const promo of tagged) {
    const row = codeRows.get(promo.metadata!.rekomi_affiliate_coupon_id);
    if (row && row.brand_id !== brandId) continue;
    const live = row && row.active && !row.deleted_at;
    if (live && (row.stripe_id === null || row.stripe_id === promo.id)) {
      if (row.stripe_id === null) {
        const adopted = await db
          .updateTable("affiliate_coupons")
          .set({
            stripe_promotion_code_id: promo.id,
            stripe_status: "synced",
            stripe_sync_error: null,
          })
          .where("id", "=", row.id)
          .where("brand_id", "=", brandId)
          .where("stripe_promotion_code_id", "is", null)
          .where("active", "=", true)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (Number(adopted.numUpdatedRows) > 0) result.adopted++;
      }
      continue;
    }
    const off = await callStripe(brandId, (ro) =>
      stripe.promotionCodes.update(promo.id, { active: false }, ro),
    );
    if (off.kind === "done") {
      result.deactivated++;
      // A row that never learnt its promotion code (deleted before Stripe confirmed) is done now.
      if (row && row.stripe_id === null) await markCodeSettled(db, brandId, row.id, promo.id);
    }
  }
}

/** 2. Coupons carrying Rekomi metadata: adopt the lost answer, or delete the orphan. */
async function reconcileCoupons(
  db: DB,
  stripe: Stripe,
  brandId: string,
  result: ReconcileResult,
): Promise<void> {
  const coupons = await callStripe(brandId, (ro) =>
    listAll((after) => stripe.coupons.list({ limit: PAGE, starting_after: after }, ro)),
  );
  if (coupons.kind !== "done") throw new Error(`Listing coupons failed: ${coupons.message}`);
  const taggedCoupons = coupons.value.filter((c) => c.metadata?.rekomi_campaign_coupon_id);
  const couponRows = await rowsById(
    db,
    "campaign_coupons",
    taggedCoupons.map((c) => c.metadata!.rekomi_campaign_coupon_id),
  );
  for (const coupon of taggedCoupons) {
    const row = couponRows.get(coupon.metadata!.rekomi_campaign_coupon_id);
    if (row && row.brand_id !== brandId) continue;
    const live = row && !row.deleted_at;
    if (live && (row.stripe_id === null || row.stripe_id === coupon.id)) {
      if (row.stripe_id === null) {
        const adopted = await db
          .updateTable("campaign_coupons")
          .set({ stripe_coupon_id: coupon.id, stripe_sync_error: null })
          .where("id", "=", row.id)
          .where("brand_id", "=", brandId)
          .where("stripe_coupon_id", "is", null)
          .executeTakeFirst();
        if (Number(adopted.numUpdatedRows) > 0) result.adopted++;
      }
      continue;
    }
    // The live row's own coupon is deleted by its deletion job; this one is an orphan.
    if (row && row.stripe_id === coupon.id) continue;
    if (isGone(await callStripe(brandId, (ro) => stripe.coupons.del(coupon.id, {}, ro))))
      result.deactivated++;
  }
}

/** 3. Webhook endpoints of this brand other than the connection's own: deleted. */
async function reconcileWebhookEndpoints(
  db: DB,
  stripe: Stripe,
  brandId: string,
  result: ReconcileResult,
): Promise<void> {
  const connection = await db
    .selectFrom("stripe_connections")
    .select("webhook_endpoint_id")
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  const endpoints = await callStripe(brandId, (ro) =>
    listAll((after) => stripe.webhookEndpoints.list({ limit: PAGE, starting_after: after }, ro)),
  );
  if (endpoints.kind !== "done")
    throw new Error(`Listing webhook endpoints failed: ${endpoints.message}`);
  for (const endpoint of endpoints.value) {
    if (endpoint.metadata?.rekomi_brand_id !== brandId) continue;
    if (!connection || endpoint.id === connection.webhook_endpoint_id) continue;
    const deleted = await callStripe(brandId, (ro) =>
      stripe.webhookEndpoints.del(endpoint.id, {}, ro),
    );
    if (isGone(deleted)) result.deactivated++;
  }
}

/** 4. Whatever is still pending: settled (retry with the same key, deactivate). */
async function settlePending(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  result: ReconcileResult,
): Promise<void> {
  const settles = {
    affiliate_coupons: settleAffiliateCode,
    campaign_coupons: settleCampaignCoupon,
  } as const;
  for (const table of ["affiliate_coupons", "campaign_coupons"] as const) {
    const pending = await db
      .selectFrom(table)
      .select("id")
      .where("brand_id", "=", brandId)
      .where("stripe_status", "=", "pending_stripe")
      .execute();
    for (const { id } of pending) {
      const s = await settles[table](db, deps, id, { onRefusedCreate: "mark" });
      if (s.state === "pending") result.pending++;
    }
  }
}

interface TaggedRow {
  id: string;
  brand_id: string;
  active: boolean;
  deleted_at: Date | string | null;
  stripe_id: string | null;
}

/** Rows named by metadata ids, across brands (only to tell "ours", "another brand's", "none"). */
async function rowsById(
  db: DB,
  table: "affiliate_coupons" | "campaign_coupons",
  ids: string[],
): Promise<Map<string, TaggedRow>> {
  const valid = [...new Set(ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id)))];
  if (valid.length === 0) return new Map();
  const stripeColumn =
    table === "affiliate_coupons" ? "stripe_promotion_code_id" : "stripe_coupon_id";
  const { rows } = await sql<TaggedRow>`
    select id, brand_id, active, deleted_at, ${sql.ref(stripeColumn)} as stripe_id
    from ${sql.table(table)} where id = any(${valid}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, r]));
}

async function markCodeSettled(db: DB, brandId: string, id: string, promoId: string) {
  await db
    .updateTable("affiliate_coupons")
    .set({ stripe_promotion_code_id: promoId, stripe_status: "synced", stripe_sync_error: null })
    .where("id", "=", id)
    .where("brand_id", "=", brandId)
    .where("stripe_promotion_code_id", "is", null)
    .where((eb) => eb.or([eb("active", "=", false), eb("deleted_at", "is not", null)]))
    .execute();
}
