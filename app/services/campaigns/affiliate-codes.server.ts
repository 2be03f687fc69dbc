/**
 * Affiliate code writes: one Stripe promotion code per row, on a campaign coupon. Created by the
 * brand (UI, resource route, REST API) or, for vanity codes, by an approved affiliate when the
 * coupon allows self-service (portal-codes.server.ts); deactivated or deleted; and made inactive
 * when Stripe reports the promotion code deactivated. Brand-scoped; another brand's ids behave
 * like unknown ids (`not_found`).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { inTransaction } from "~/db/tx.server";
import type { AffiliateCoupon } from "~/db/schema";
import { codeEligibilityError } from "~/domain/code-eligibility";
import {
  affiliateCouponCreateSchema,
  couponError,
  generatedCodeBase,
  type AffiliateCouponCreateInput,
  type CouponError,
  type CouponResult,
  zodCouponError,
} from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { findReservedWord, reservedWordMessage } from "~/domain/reserved-words";
import { isStripeError, type Stripe, stripeErrorMessage } from "~/stripe/client.server";
import { settleAffiliateCode } from "./affiliate-code-stripe.server";
import {
  type CodeCreator,
  type Reservation,
  reservedSources,
  reserveCode,
} from "./affiliate-code-reservation.server";
import {
  checkCouponPlan,
  type CouponDeps,
  isStripeConnected,
  NOT_CONNECTED_MESSAGE,
} from "./coupon-access.server";
import { getCampaignCoupon } from "./campaign-coupon-reads.server";
import { queueSettle } from "../stripe-account/stripe-writes.server";

export { affiliateCouponCreateSchema, type AffiliateCouponCreateInput } from "~/domain/coupon";

// ---------------------------------------------------------------------------------------------
// Create (the Stripe-write pattern: reserve -> Stripe outside the transaction -> record)

function stripeCodeError(error: unknown): CouponError {
  const message = stripeErrorMessage(error);
  if (isStripeError(error) && error.param === "code") {
    const exists = error.code === "resource_already_exists" || /already exists/i.test(message);
    return couponError(exists ? "conflict" : "invalid_request", message, "code");
  }
  if (isStripeError(error) && error.param) {
    const param = error.param === "promotion[coupon]" ? "campaign_coupon_id" : error.param;
    return couponError("stripe_error", message, param);
  }
  return couponError("stripe_error", message);
}

export interface CreateCodeOptions {
  createdBy: CodeCreator;
}

/**
 * `stripePending`: Stripe did not confirm in time (timeout, outage, the brand's Stripe lane full):
 * the code is reserved and live in Rekomi, and the settle job finishes it in Stripe.
 */
export type CreateCodeResult = CouponResult<{
  code: AffiliateCoupon;
  stripePending: string | null;
}>;

/**
 * Create an affiliate code and its Stripe promotion code (`promotion.coupon`, the code,
 * max_redemptions and expires_at inherited from the campaign coupon,
 * metadata.rekomi_affiliate_coupon_id = row id). A supplied code is upper-cased and checked
 * (regex, unique in the brand; for self-service also the per-affiliate limit and reserved words);
 * without one a readable code is generated (SARAH20, SARAH20-2...), picked under a per-brand lock
 * so concurrent requests never collide. The row is reserved first (`pending_stripe`), Stripe is
 * called outside any transaction with the row id as idempotency key, and the result recorded.
 * Stripe refusing the code -> its reason on `code` and the reservation removed.
 */
export async function createAffiliateCode(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  affiliateId: string,
  input: AffiliateCouponCreateInput,
  opts: CreateCodeOptions,
): Promise<CreateCodeResult> {
  const checked = await checkCodeRequest(db, brandId, affiliateId, input, opts);
  if (!checked.ok) return checked;
  const { reservation } = checked;
  // A generated code Stripe refuses as taken elsewhere in the account moves to the next candidate.
  for (let attempt = 0; attempt < 12; attempt++) {
    const reserved = await reserveCode(db, reservation);
    if (!reserved.ok) return reserved;
    const settled = await settleAffiliateCode(db, deps, reserved.code.id, {
      interactive: true,
      onRefusedCreate: "delete",
    });
    switch (settled.state) {
      case "synced":
        return { ok: true, code: settled.code, stripePending: null };
      case "pending":
        return { ok: true, code: settled.code, stripePending: settled.message };
      case "gone":
        return fail(couponError("not_found", "Code not found."));
      case "refused": {
        const error = stripeCodeError(settled.error);
        if (reservation.supplied || error.type !== "conflict") return fail(error);
        reservation.refused.add(reserved.code.code);
      }
    }
  }
  return fail(couponError("conflict", "Could not find a free code; enter one yourself.", "code"));
}

const fail = (error: CouponError) => ({ ok: false as const, error });

/**
 * Everything checked before a code is reserved, in the order the errors are answered: the
 * affiliate, the plan, the input, the coupon, the eligibility rule (app/domain/code-eligibility),
 * the Stripe connection and, for self-service codes, the reserved words. Returns the reservation
 * to make.
 */
async function checkCodeRequest(
  db: DB,
  brandId: string,
  affiliateId: string,
  input: AffiliateCouponCreateInput,
  opts: CreateCodeOptions,
): Promise<CouponResult<{ reservation: Reservation }>> {
  if (!isUuid(affiliateId)) return fail(couponError("not_found", "Affiliate not found."));
  const affiliate = await db
    .selectFrom("affiliates")
    .select(["id", "name", "status"])
    .where("brand_id", "=", brandId)
    .where("id", "=", affiliateId)
    .executeTakeFirst();
  if (!affiliate) return fail(couponError("not_found", "Affiliate not found."));
  const planError = await checkCouponPlan(db, brandId);
  if (planError) return fail(planError);
  const parsed = affiliateCouponCreateSchema.safeParse(input);
  if (!parsed.success) return fail(zodCouponError(parsed.error));
  const { campaign_coupon_id: couponId, code: supplied, commission_rate_percent } = parsed.data;
  const coupon = await getCampaignCoupon(db, brandId, couponId);
  if (!coupon) return fail(couponError("not_found", "Coupon not found.", "campaign_coupon_id"));
  const enrolled = await isEnrolled(db, brandId, coupon.campaign_id, affiliate.id);
  const ineligible = codeEligibilityError({ affiliate, coupon, enrolled, now: new Date() });
  if (ineligible) return fail(ineligible);
  if (!(await isStripeConnected(db, brandId)))
    return fail(couponError("invalid_request", NOT_CONNECTED_MESSAGE));
  if (supplied && opts.createdBy === "affiliate") {
    const hit = findReservedWord(supplied, await reservedSources(db, brandId, affiliate));
    if (hit) return fail(couponError("invalid_request", reservedWordMessage(hit), "code"));
  }
  const reservation: Reservation = {
    brandId,
    affiliateId: affiliate.id,
    coupon,
    supplied,
    base: supplied ? null : generatedCodeBase(affiliate.name, coupon),
    refused: new Set(),
    commissionRateBps:
      commission_rate_percent == null ? null : Math.round(commission_rate_percent * 100),
    createdBy: opts.createdBy,
  };
  return { ok: true, reservation };
}

async function isEnrolled(
  db: DB,
  brandId: string,
  campaignId: string,
  affiliateId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("enrollments")
    .select("id")
    .where("brand_id", "=", brandId)
    .where("campaign_id", "=", campaignId)
    .where("affiliate_id", "=", affiliateId)
    .executeTakeFirst();
  return Boolean(row);
}

// ---------------------------------------------------------------------------------------------
// Deactivate / delete

export type CodeChangeResult = CouponResult<{
  code: AffiliateCoupon;
  stripeWarning: string | null;
}>;

/**
 * Stop a code: inactive (`deactivated`) or soft-deleted (`deleted`, which frees the code text in
 * the brand). The change commits first with the row `pending_stripe` and a settle job; Stripe is
 * then asked once right away. If Stripe cannot confirm, the answer says "removing from Stripe…"
 * with the reason, and the job retries until Stripe confirms. Never blocks on Stripe.
 */
export async function deactivateAffiliateCode(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  id: string,
  opts: { delete?: boolean; affiliateId?: string } = {},
): Promise<CodeChangeResult> {
  if (!isUuid(id)) return { ok: false, error: couponError("not_found", "Code not found.") };
  const changed = await inTransaction(db, async (trx) => {
    let q = trx
      .selectFrom("affiliate_coupons")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("id", "=", id)
      .where("deleted_at", "is", null);
    if (opts.affiliateId) q = q.where("affiliate_id", "=", opts.affiliateId);
    const current = await q.forUpdate().executeTakeFirst();
    if (!current) return undefined;
    const needsStripe =
      current.stripe_status === "pending_stripe" ||
      (current.stripe_promotion_code_id !== null && current.active);
    const row = await trx
      .updateTable("affiliate_coupons")
      .set({
        active: false,
        inactive_reason: opts.delete
          ? "deleted"
          : current.active
            ? "deactivated"
            : current.inactive_reason,
        ...(opts.delete ? { deleted_at: sql<Date>`now()` } : {}),
        ...(needsStripe ? { stripe_status: "pending_stripe" as const } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (needsStripe) await queueSettle(trx, brandId, { kind: "affiliate_coupon", id: row.id });
    return row;
  });
  if (!changed) return { ok: false, error: couponError("not_found", "Code not found.") };
  if (changed.stripe_status === "synced") return { ok: true, code: changed, stripeWarning: null };
  const settled = await settleAffiliateCode(db, deps, changed.id, {
    interactive: true,
    onRefusedCreate: "mark",
  });
  if (settled.state === "pending") {
    return {
      ok: true,
      code: settled.code,
      stripeWarning: `${changed.code} stopped working in Rekomi; removing it from Stripe… (${settled.message}) Rekomi keeps retrying until Stripe confirms.`,
    };
  }
  const code = "code" in settled && settled.code ? settled.code : changed;
  return { ok: true, code, stripeWarning: null };
}

export function deleteAffiliateCode(
  db: DB,
  deps: CouponDeps,
  brandId: string,
  id: string,
): Promise<CodeChangeResult> {
  return deactivateAffiliateCode(db, deps, brandId, id, { delete: true });
}

// ---------------------------------------------------------------------------------------------
// Stripe -> Rekomi sync

/**
 * `promotion_code.updated` with `active: false` (deactivated in the Stripe dashboard, or by a
 * coupon deletion): the code becomes inactive ('deactivated_in_stripe'). Resolved by the stored
 * stripe_promotion_code_id, falling back to metadata.rekomi_affiliate_coupon_id. Idempotent and
 * monotonic (never re-activates), so duplicate or reordered events are harmless.
 */
export async function handlePromotionCodeUpdated(
  db: DB,
  brandId: string,
  promo: Pick<Stripe.PromotionCode, "id" | "active"> & { metadata?: Stripe.Metadata | null },
): Promise<"updated" | "unchanged" | "unknown"> {
  let row = await db
    .selectFrom("affiliate_coupons")
    .select(["id", "active", "deleted_at", "stripe_promotion_code_id"])
    .where("brand_id", "=", brandId)
    .where("stripe_promotion_code_id", "=", promo.id)
    .executeTakeFirst();
  const metaId = promo.metadata?.rekomi_affiliate_coupon_id;
  if (!row && isUuid(metaId)) {
    row = await db
      .selectFrom("affiliate_coupons")
      .select(["id", "active", "deleted_at", "stripe_promotion_code_id"])
      .where("brand_id", "=", brandId)
      .where("id", "=", metaId)
      .where((eb) =>
        eb.or([
          eb("stripe_promotion_code_id", "is", null),
          eb("stripe_promotion_code_id", "=", promo.id),
        ]),
      )
      .executeTakeFirst();
  }
  if (!row) return "unknown";
  if (promo.active !== false || !row.active || row.deleted_at) return "unchanged";
  await db
    .updateTable("affiliate_coupons")
    .set({ active: false, inactive_reason: "deactivated_in_stripe", updated_at: sql<Date>`now()` })
    .where("id", "=", row.id)
    .where("brand_id", "=", brandId)
    .execute();
  return "updated";
}
