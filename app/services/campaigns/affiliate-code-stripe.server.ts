/**
 * Affiliate codes <-> Stripe promotion codes, by the Stripe-write pattern (stripe-writes.server.ts).
 * `settleAffiliateCode` makes Stripe match a `pending_stripe` row and records the outcome; the mint
 * and delete requests run it once right after reserving, the `stripe__settle` job until it sticks.
 *
 * What Stripe should hold follows from the row: a live code (active, not deleted) has an active
 * promotion code; any other row has none active. The promotion code is created with the row id as
 * idempotency key and in `metadata.rekomi_affiliate_coupon_id`, so a retry returns the first result
 * and a lost answer can be found again.
 */
import { sql, type Kysely } from "kysely";
import type { DB } from "~/db/db.server";
import type { AffiliateCoupon, AffiliateStatus, Database } from "~/db/schema";
import { type Stripe } from "~/stripe/client.server";
import { stripeForBrand } from "../stripe-account/stripe-connection.server";
import {
  callStripe,
  isStripeNotFound,
  dropReservation,
  queueSettle,
  settleSoon,
  truncateSyncError as truncate,
  type StripeOutcome,
} from "../stripe-account/stripe-writes.server";
import type { CouponDeps } from "./coupon-access.server";

export const codeIdempotencyKey = (id: string) => `rekomi-affiliate-coupon-${id}`;

type CodeWithCoupon = AffiliateCoupon & { stripe_coupon_id: string | null };

async function loadCode(db: DB, id: string): Promise<CodeWithCoupon | undefined> {
  return db
    .selectFrom("affiliate_coupons as ac")
    .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
    .selectAll("ac")
    .select("cc.stripe_coupon_id")
    .where("ac.id", "=", id)
    .executeTakeFirst();
}

/** The create params: a pure function of the row, so a retry sends the very same request. */
export function promotionCodeParams(row: CodeWithCoupon): Stripe.PromotionCodeCreateParams {
  const params: Stripe.PromotionCodeCreateParams = {
    promotion: { type: "coupon", coupon: row.stripe_coupon_id ?? "" },
    code: row.code,
    metadata: {
      rekomi_affiliate_coupon_id: row.id,
      rekomi_affiliate_id: row.affiliate_id,
      rekomi_campaign_coupon_id: row.campaign_coupon_id,
    },
  };
  if (row.max_redemptions !== null) params.max_redemptions = row.max_redemptions;
  if (row.expires_at) params.expires_at = Math.floor(new Date(row.expires_at).getTime() / 1000);
  return params;
}

/** A row's promotion code found by its code text and metadata (when the create's answer was lost). */
async function findPromotionCode(
  stripe: Stripe,
  row: CodeWithCoupon,
  requestOptions: Stripe.RequestOptions,
): Promise<Stripe.PromotionCode | null> {
  const list = await stripe.promotionCodes.list({ code: row.code, limit: 100 }, requestOptions);
  return list.data.find((p) => p.metadata?.rekomi_affiliate_coupon_id === row.id) ?? null;
}

export type CodeSettleResult =
  | { state: "synced"; code: AffiliateCoupon }
  | { state: "pending"; code: AffiliateCoupon; message: string }
  | { state: "refused"; error: unknown; message: string; code?: AffiliateCoupon }
  | { state: "gone" };

export interface SettleOptions {
  interactive?: boolean;
  /** A create Stripe refuses: drop the reservation (the request reports it) or keep it, marked. */
  onRefusedCreate: "delete" | "mark";
}

const isLive = (r: Pick<AffiliateCoupon, "active" | "deleted_at">) => r.active && !r.deleted_at;

/**
 * Make Stripe match the row and record it (`synced`), or leave it `pending_stripe` with the reason
 * in stripe_sync_error when the outcome is unclear. No transaction is open during a Stripe call;
 * a row that changed meanwhile is settled again from its new state.
 */
export async function settleAffiliateCode(
  db: DB,
  deps: CouponDeps,
  id: string,
  opts: SettleOptions,
): Promise<CodeSettleResult> {
  const result = await settleCode(db, deps, id, opts);
  // A request that could not settle hands over to the job at once (a job retries by itself).
  if (result.state === "pending" && opts.interactive)
    await settleSoon(db, result.code.brand_id, { kind: "affiliate_coupon", id });
  return result;
}

async function settleCode(
  db: DB,
  deps: CouponDeps,
  id: string,
  opts: SettleOptions,
): Promise<CodeSettleResult> {
  for (let round = 0; round < 4; round++) {
    const row = await loadCode(db, id);
    if (!row) return { state: "gone" };
    if (row.stripe_status === "synced") return { state: "synced", code: strip(row) };
    const stripe = await stripeForBrand(db, deps.config, row.brand_id);
    if (!stripe)
      return pending(db, row, "Stripe is not connected, so the code could not be updated there.");
    if (!row.stripe_coupon_id)
      return pending(db, row, "The coupon is not in Stripe yet; the code will follow it.");
    const want = isLive(row);
    const call = { interactive: opts.interactive };

    let outcome: StripeOutcome<{ promoId: string | null; complete: boolean }>;
    if (!row.stripe_promotion_code_id && want) {
      const created = await callStripe(
        row.brand_id,
        (ro) => stripe.promotionCodes.create(promotionCodeParams(row), ro),
        { ...call, idempotencyKey: codeIdempotencyKey(row.id) },
      );
      if (created.kind === "refused") return refusedCreate(db, row, created, opts);
      outcome = mapDone(created, (p) => ({ promoId: p.id, complete: true }));
    } else if (!row.stripe_promotion_code_id) {
      // Stopped before Stripe confirmed the create: find what Stripe made, if anything.
      const found = await callStripe(
        row.brand_id,
        (ro) => findPromotionCode(stripe, row, ro),
        call,
      );
      outcome = mapDone(found, (p) => ({ promoId: p?.id ?? null, complete: !p?.active }));
    } else {
      const promoId = row.stripe_promotion_code_id;
      const updated = await callStripe(
        row.brand_id,
        (ro) => stripe.promotionCodes.update(promoId, { active: want }, ro),
        call,
      );
      if (updated.kind === "refused" && !(isStripeNotFound(updated.error) && !want)) {
        if (!want) return pending(db, row, updated.message);
        // Reactivation refused (code taken in the account, coupon deleted): it stays off.
        const code = await record(db, row, {
          active: false,
          inactive_reason: "reactivation_refused",
          stripe_sync_error: truncate(updated.message),
        });
        if (!code) continue;
        return { state: "refused", error: updated.error, message: updated.message, code };
      }
      outcome =
        updated.kind === "unclear" ? updated : { kind: "done", value: { promoId, complete: true } };
    }
    if (outcome.kind !== "done") return pending(db, row, outcome.message);
    const { promoId, complete } = outcome.value;
    const code = await record(db, row, {
      ...(promoId && !row.stripe_promotion_code_id ? { stripe_promotion_code_id: promoId } : {}),
      ...(complete ? { stripe_status: "synced" as const, stripe_sync_error: null } : {}),
    });
    if (code && complete) return { state: "synced", code };
  }
  const row = await loadCode(db, id);
  return row
    ? { state: "pending", code: strip(row), message: "The code kept changing; retrying." }
    : { state: "gone" };
}

function mapDone<A, B>(o: StripeOutcome<A>, f: (a: A) => B): StripeOutcome<B> {
  return o.kind === "done" ? { kind: "done", value: f(o.value) } : o;
}

/** Write `patch` only if the row still wants what it wanted when Stripe was called. */
async function record(
  db: DB,
  row: CodeWithCoupon,
  patch: Partial<
    Pick<
      AffiliateCoupon,
      | "stripe_promotion_code_id"
      | "stripe_status"
      | "stripe_sync_error"
      | "active"
      | "inactive_reason"
    >
  >,
): Promise<AffiliateCoupon | undefined> {
  if (Object.keys(patch).length === 0) return strip(row);
  return db
    .updateTable("affiliate_coupons")
    .set(patch)
    .where("id", "=", row.id)
    .where("brand_id", "=", row.brand_id)
    .where("active", "=", row.active)
    .where(row.deleted_at ? sql<boolean>`deleted_at is not null` : sql<boolean>`deleted_at is null`)
    .returningAll()
    .executeTakeFirst();
}

async function pending(db: DB, row: CodeWithCoupon, message: string): Promise<CodeSettleResult> {
  const code = await db
    .updateTable("affiliate_coupons")
    .set({ stripe_sync_error: truncate(message) })
    .where("id", "=", row.id)
    .where("brand_id", "=", row.brand_id)
    .returningAll()
    .executeTakeFirst();
  return { state: "pending", code: code ?? strip(row), message };
}

async function refusedCreate(
  db: DB,
  row: CodeWithCoupon,
  refused: { error: unknown; message: string },
  opts: SettleOptions,
): Promise<CodeSettleResult> {
  if (opts.onRefusedCreate === "delete") {
    await dropReservation(db, row.brand_id, { kind: "affiliate_coupon", id: row.id });
    return { state: "refused", error: refused.error, message: refused.message };
  }
  const code = await db
    .updateTable("affiliate_coupons")
    .set({
      active: false,
      inactive_reason: "stripe_refused",
      deleted_at: row.deleted_at ?? sql<Date>`now()`,
      stripe_status: "synced",
      stripe_sync_error: truncate(refused.message),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", row.id)
    .where("brand_id", "=", row.brand_id)
    .returningAll()
    .executeTakeFirst();
  return { state: "refused", error: refused.error, message: refused.message, code };
}

function strip(row: CodeWithCoupon): AffiliateCoupon {
  const { stripe_coupon_id: _coupon, ...code } = row;
  return code;
}

// ---------------------------------------------------------------------------------------------
// Suspension and reinstatement

const STATUS_REASON: Partial<Record<AffiliateStatus, string>> = {
  suspended: "affiliate_suspended",
  rejected: "affiliate_rejected",
};

/**
 * Inside the transaction that changes an affiliate's status: suspension or rejection stops every
 * live code of the affiliate (inactive_reason `affiliate_suspended|rejected`, each deactivated in
 * Stripe by its settle job); approving them again reactivates exactly the codes that the suspension
 * or rejection stopped (a deliberate action of the brand), the others stay as they are.
 */
export async function applyAffiliateStatusToCodes(
  trx: Kysely<Database>,
  brandId: string,
  affiliateId: string,
  to: AffiliateStatus,
): Promise<number> {
  const now = sql<Date>`now()`;
  const reason = STATUS_REASON[to];
  const base = trx
    .updateTable("affiliate_coupons")
    .where("brand_id", "=", brandId)
    .where("affiliate_id", "=", affiliateId)
    .where("deleted_at", "is", null);
  const rows = reason
    ? await base
        .set({
          active: false,
          inactive_reason: reason,
          stripe_status: "pending_stripe",
          updated_at: now,
        })
        .where("active", "=", true)
        .returning("id")
        .execute()
    : to === "approved"
      ? await base
          .set({
            active: true,
            inactive_reason: null,
            stripe_status: "pending_stripe",
            updated_at: now,
          })
          .where("active", "=", false)
          .where("inactive_reason", "in", Object.values(STATUS_REASON) as string[])
          .returning("id")
          .execute()
      : [];
  for (const r of rows)
    await queueSettle(trx, brandId, { kind: "affiliate_coupon", id: r.id }, { delayMs: 0 });
  return rows.length;
}
