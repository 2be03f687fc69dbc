/**
 * The reservation step of making an affiliate code: under a per-brand advisory lock, the
 * self-service limit, the code text (supplied, or the next free generated candidate), the
 * `pending_stripe` row and its safety-net settle job, in one transaction. Also the brand's
 * reserved words a self-service code must avoid.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { inTransaction } from "~/db/tx.server";
import type { AffiliateCoupon, CampaignCoupon } from "~/db/schema";
import {
  codeCandidate,
  couponError,
  type CouponError,
  type CouponResult,
  nextFreeCandidate,
} from "~/domain/coupon";
import type { ReservedSources } from "~/domain/reserved-words";
import { queueSettle } from "../stripe-account/stripe-writes.server";

/** Who made a code (`affiliate_coupons.created_by`). */
export type CodeCreator = AffiliateCoupon["created_by"];

const conflictMessage = (code: string) =>
  `${code} is already taken by another code of this brand. Choose a different code.`;

export interface Reservation {
  brandId: string;
  affiliateId: string;
  coupon: CampaignCoupon;
  supplied: string | null;
  base: string | null;
  /** Generated candidates Stripe refused as taken in the account. */
  refused: Set<string>;
  commissionRateBps: number | null;
  createdBy: CodeCreator;
}

/**
 * The reservation transaction: under a per-brand advisory lock (so concurrent generated codes
 * never pick the same text), the self-service limit, the code text, the `pending_stripe` row and
 * its safety-net settle job.
 */
export function reserveCode(
  db: DB,
  v: Reservation,
): Promise<CouponResult<{ code: AffiliateCoupon }>> {
  const fail = (error: CouponError) => ({ ok: false as const, error });
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`rekomi.codes:${v.brandId}`}, 0))`.execute(
      trx,
    );
    if (v.createdBy === "affiliate") {
      const { n } = await trx
        .selectFrom("affiliate_coupons")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("brand_id", "=", v.brandId)
        .where("affiliate_id", "=", v.affiliateId)
        .where("campaign_coupon_id", "=", v.coupon.id)
        .where("created_by", "=", "affiliate")
        .where("deleted_at", "is", null)
        .executeTakeFirstOrThrow();
      const max = v.coupon.max_codes_per_affiliate;
      if (Number(n) >= max) {
        return fail(
          couponError(
            "invalid_request",
            `You already have ${max} code${max === 1 ? "" : "s"} on this coupon, the most it allows. Delete one to make another.`,
            "code",
          ),
        );
      }
    }
    let code: string;
    if (v.supplied) {
      if (await codeTaken(trx, v.brandId, v.supplied))
        return fail(couponError("conflict", conflictMessage(v.supplied), "code"));
      code = v.supplied;
    } else {
      const base = v.base!;
      const taken = new Set(
        (
          await trx
            .selectFrom("affiliate_coupons")
            .select("code")
            .where("brand_id", "=", v.brandId)
            .where("deleted_at", "is", null)
            .where("code", "like", `${base.replace(/[\\%_]/g, "\\$&")}%`)
            .execute()
        ).map((r) => r.code),
      );
      for (const r of v.refused) taken.add(r);
      code = codeCandidate(base, nextFreeCandidate(base, taken));
    }
    const row = await trx
      .insertInto("affiliate_coupons")
      .values({
        brand_id: v.brandId,
        affiliate_id: v.affiliateId,
        campaign_coupon_id: v.coupon.id,
        campaign_id: v.coupon.campaign_id,
        code,
        max_redemptions: v.coupon.max_redemptions,
        expires_at: v.coupon.redeem_by ? new Date(v.coupon.redeem_by) : null,
        commission_rate_bps: v.commissionRateBps,
        created_by: v.createdBy,
        stripe_status: "pending_stripe",
      })
      .onConflict((oc) =>
        oc.columns(["brand_id", "code"]).where("deleted_at", "is", null).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return fail(couponError("conflict", conflictMessage(code), "code"));
    await queueSettle(trx, v.brandId, { kind: "affiliate_coupon", id: row.id });
    return { ok: true as const, code: row };
  });
}

async function codeTaken(db: DB, brandId: string, code: string): Promise<boolean> {
  const row = await db
    .selectFrom("affiliate_coupons")
    .select("id")
    .where("brand_id", "=", brandId)
    .where("code", "=", code)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return Boolean(row);
}

/** The brand's reserved words for a self-service code by `affiliate`. */
export async function reservedSources(
  db: DB,
  brandId: string,
  affiliate: { id: string; name: string },
): Promise<ReservedSources> {
  const [brand, coupons, others, codes] = await Promise.all([
    db.selectFrom("brands").select("name").where("id", "=", brandId).executeTakeFirst(),
    db
      .selectFrom("campaign_coupons")
      .select("name")
      .where("brand_id", "=", brandId)
      .where("deleted_at", "is", null)
      .execute(),
    db
      .selectFrom("affiliates")
      .select("name")
      .where("brand_id", "=", brandId)
      .where("id", "!=", affiliate.id)
      .execute(),
    db
      .selectFrom("affiliate_coupons")
      .select("code")
      .where("brand_id", "=", brandId)
      .where("affiliate_id", "!=", affiliate.id)
      .where("created_by", "!=", "affiliate")
      .where("deleted_at", "is", null)
      .execute(),
  ]);
  return {
    brandName: brand?.name ?? "",
    couponNames: coupons.map((c) => c.name),
    otherAffiliateNames: others.map((a) => a.name),
    otherAffiliateCodes: codes.map((c) => c.code),
    ownName: affiliate.name,
  };
}
