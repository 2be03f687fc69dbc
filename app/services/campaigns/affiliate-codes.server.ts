/**
 * Affiliate codes: one Stripe promotion code per row, on a campaign coupon. Created by the brand
 * (UI, resource route, REST API) or, for vanity codes, by an approved affiliate when the coupon
 * allows self-service. Brand functions are scoped by brand; portal functions by the affiliate's
 * user id. Another brand's ids behave like unknown ids (`not_found`).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type {
  AffiliateCoupon,
  AffiliateStatus,
  CampaignCoupon,
  CouponDuration,
  DiscountType,
} from "~/db/schema";
import {
  affiliateCouponCreateSchema,
  codeCandidate,
  couponError,
  describeDiscount,
  generatedCodeBase,
  inactiveLabel,
  nextFreeCandidate,
  type AffiliateCouponCreateInput,
  type CouponError,
  type CouponResult,
  zodCouponError,
} from "~/domain/coupon";
import { isUuid } from "~/domain/ids";
import { formatPercent } from "~/domain/money";
import { isStripeError, type Stripe, stripeErrorMessage } from "~/stripe/client.server";
import {
  findReservedWord,
  type ReservedSources,
  reservedWordMessage,
} from "~/domain/reserved-words";
import { settleAffiliateCode } from "./affiliate-code-stripe.server";
import {
  checkCouponPlan,
  type CouponDeps,
  isStripeConnected,
  NOT_CONNECTED_MESSAGE,
} from "./campaign-coupons.server";
import { inTransaction } from "~/db/tx.server";
import { queueSettle } from "../stripe-account/stripe-writes.server";

export { affiliateCouponCreateSchema, type AffiliateCouponCreateInput } from "~/domain/coupon";

export type CodeCreator = "brand" | "affiliate" | "api";

// ---------------------------------------------------------------------------------------------
// JSON (DESIGN.md section 7)

export interface AffiliateCouponJson {
  id: string;
  affiliate_id: string;
  campaign_coupon_id: string;
  code: string;
  stripe_promotion_code_id: string | null;
  max_redemptions: number | null;
  redemption_count: number;
  active: boolean;
  created_by: CodeCreator;
  /** `pending_stripe` until Stripe confirmed the latest change (Rekomi retries), then `synced`. */
  stripe_status: "pending_stripe" | "synced";
  created_at: string;
}

export function affiliateCouponJson(row: AffiliateCoupon): AffiliateCouponJson {
  return {
    id: row.id,
    affiliate_id: row.affiliate_id,
    campaign_coupon_id: row.campaign_coupon_id,
    code: row.code,
    stripe_promotion_code_id: row.stripe_promotion_code_id,
    max_redemptions: row.max_redemptions,
    redemption_count: row.redemption_count,
    active: row.active,
    created_by: row.created_by,
    stripe_status: row.stripe_status,
    created_at: new Date(row.created_at).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Reads

export type AffiliateCodeRow = AffiliateCoupon & {
  campaign_name: string;
  coupon_name: string;
  discount_type: DiscountType;
  percent_off_bps: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: CouponDuration;
  duration_in_months: number | null;
};

function codesQuery(db: DB) {
  return db
    .selectFrom("affiliate_coupons as ac")
    .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
    .innerJoin("campaigns as c", "c.id", "ac.campaign_id")
    .selectAll("ac")
    .select([
      "c.name as campaign_name",
      "cc.name as coupon_name",
      "cc.discount_type",
      "cc.percent_off_bps",
      "cc.amount_off",
      "cc.currency",
      "cc.duration",
      "cc.duration_in_months",
    ])
    .where((eb) =>
      eb.or([eb("ac.deleted_at", "is", null), eb("ac.stripe_status", "=", "pending_stripe")]),
    );
}

/** One of the brand's affiliates' codes (not deleted), newest first; optionally one campaign. */
export async function listAffiliateCodes(
  db: DB,
  brandId: string,
  affiliateId: string,
  opts: { campaignId?: string } = {},
): Promise<AffiliateCodeRow[]> {
  if (!isUuid(affiliateId)) return [];
  let q = codesQuery(db)
    .where("ac.brand_id", "=", brandId)
    .where("ac.affiliate_id", "=", affiliateId);
  if (opts.campaignId) q = q.where("ac.campaign_id", "=", opts.campaignId);
  return q.orderBy("ac.created_at", "desc").orderBy("ac.id").execute();
}

/** One of the brand's codes (not deleted). */
export async function getAffiliateCode(
  db: DB,
  brandId: string,
  id: string,
): Promise<AffiliateCoupon | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom("affiliate_coupons")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

export type CouponOption = Pick<
  CampaignCoupon,
  | "id"
  | "campaign_id"
  | "name"
  | "discount_type"
  | "percent_off_bps"
  | "amount_off"
  | "currency"
  | "duration"
  | "duration_in_months"
  | "allow_affiliate_self_service"
> & { campaign_name: string };

/** Live coupons of the campaigns the affiliate is enrolled in: what a new code can be made on. */
export async function listCouponOptionsForAffiliate(
  db: DB,
  brandId: string,
  affiliateId: string,
  opts: { campaignId?: string } = {},
): Promise<CouponOption[]> {
  if (!isUuid(affiliateId)) return [];
  let q = db
    .selectFrom("campaign_coupons as cc")
    .innerJoin("enrollments as e", (j) =>
      j.onRef("e.campaign_id", "=", "cc.campaign_id").on("e.affiliate_id", "=", affiliateId),
    )
    .innerJoin("campaigns as c", "c.id", "cc.campaign_id")
    .select([
      "cc.id",
      "cc.campaign_id",
      "cc.name",
      "cc.discount_type",
      "cc.percent_off_bps",
      "cc.amount_off",
      "cc.currency",
      "cc.duration",
      "cc.duration_in_months",
      "cc.allow_affiliate_self_service",
      "c.name as campaign_name",
    ])
    .where("cc.brand_id", "=", brandId)
    .where("e.brand_id", "=", brandId)
    .where("cc.deleted_at", "is", null)
    .where("cc.active", "=", true)
    .where("cc.stripe_coupon_id", "is not", null)
    .where((eb) =>
      eb.or([eb("cc.redeem_by", "is", null), eb("cc.redeem_by", ">", sql<Date>`now()`)]),
    );
  if (opts.campaignId) q = q.where("cc.campaign_id", "=", opts.campaignId);
  return q.orderBy("c.name").orderBy("cc.created_at").execute();
}

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

const conflictMessage = (code: string) =>
  `${code} is already taken by another code of this brand. Choose a different code.`;

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
  const fail = (error: CouponError) => ({ ok: false as const, error });
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

  const coupon = isUuid(couponId)
    ? await db
        .selectFrom("campaign_coupons")
        .selectAll()
        .where("brand_id", "=", brandId)
        .where("id", "=", couponId)
        .where("deleted_at", "is", null)
        .executeTakeFirst()
    : undefined;
  if (!coupon) return fail(couponError("not_found", "Coupon not found.", "campaign_coupon_id"));
  if (!coupon.active || !coupon.stripe_coupon_id || coupon.stripe_status !== "synced") {
    return fail(
      couponError(
        "invalid_request",
        coupon.stripe_status !== "synced" && coupon.active
          ? "This coupon is still being created in Stripe; try again in a moment."
          : "This coupon no longer works in Stripe, so it cannot get new codes.",
        "campaign_coupon_id",
      ),
    );
  }
  if (coupon.redeem_by && new Date(coupon.redeem_by).getTime() <= Date.now()) {
    return fail(
      couponError(
        "invalid_request",
        "This coupon has expired, so it cannot get new codes.",
        "campaign_coupon_id",
      ),
    );
  }
  if (affiliate.status === "rejected" || affiliate.status === "suspended") {
    return fail(
      couponError(
        "invalid_request",
        `${affiliate.name} is ${affiliate.status}; approve them before giving them codes.`,
      ),
    );
  }
  const enrolled = await db
    .selectFrom("enrollments")
    .select("id")
    .where("brand_id", "=", brandId)
    .where("campaign_id", "=", coupon.campaign_id)
    .where("affiliate_id", "=", affiliate.id)
    .executeTakeFirst();
  if (!enrolled) {
    return fail(
      couponError(
        "invalid_request",
        `${affiliate.name} is not enrolled in this coupon's campaign.`,
        "campaign_coupon_id",
      ),
    );
  }
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
        if (supplied || error.type !== "conflict") return fail(error);
        reservation.refused.add(reserved.code.code);
      }
    }
  }
  return fail(couponError("conflict", "Could not find a free code; enter one yourself.", "code"));
}

interface Reservation {
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
function reserveCode(db: DB, v: Reservation): Promise<CouponResult<{ code: AffiliateCoupon }>> {
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
async function reservedSources(
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
// Affiliate portal

export interface PortalCampaign {
  brandId: string;
  brandName: string;
  affiliateId: string;
  affiliateStatus: AffiliateStatus;
  campaignId: string;
  campaignName: string;
  linkCode: string;
  commission: {
    commission_type: "percent" | "flat";
    commission_percent_bps: number | null;
    commission_amount: number | null;
    commission_currency: string | null;
    recurring_months: number | null;
  };
}

/** The signed-in affiliate's enrollment in a campaign, or undefined (not theirs / unknown). */
export async function getPortalCampaign(
  db: DB,
  userId: string,
  campaignId: string,
): Promise<PortalCampaign | undefined> {
  if (!isUuid(campaignId)) return undefined;
  const row = await db
    .selectFrom("enrollments as e")
    .innerJoin("affiliates as a", "a.id", "e.affiliate_id")
    .innerJoin("campaigns as c", "c.id", "e.campaign_id")
    .innerJoin("brands as b", "b.id", "e.brand_id")
    .select([
      "b.id as brand_id",
      "b.name as brand_name",
      "a.id as affiliate_id",
      "a.status as affiliate_status",
      "c.id as campaign_id",
      "c.name as campaign_name",
      "e.link_code",
      "c.commission_type",
      "c.commission_percent_bps",
      "c.commission_amount",
      "c.commission_currency",
      "c.recurring_months",
    ])
    .where("a.user_id", "=", userId)
    .where("e.campaign_id", "=", campaignId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    brandId: row.brand_id,
    brandName: row.brand_name,
    affiliateId: row.affiliate_id,
    affiliateStatus: row.affiliate_status,
    campaignId: row.campaign_id,
    campaignName: row.campaign_name,
    linkCode: row.link_code,
    commission: {
      commission_type: row.commission_type,
      commission_percent_bps: row.commission_percent_bps,
      commission_amount: row.commission_amount,
      commission_currency: row.commission_currency,
      recurring_months: row.recurring_months,
    },
  };
}

export const SELF_SERVICE_OFF_MESSAGE = "Vanity codes are not available for this coupon.";

/** What the portal page shows: codes, coupons open to self-service, and whether minting is on. */
export async function portalCodes(db: DB, p: PortalCampaign) {
  const [codes, options, planError] = await Promise.all([
    listAffiliateCodes(db, p.brandId, p.affiliateId, { campaignId: p.campaignId }),
    listCouponOptionsForAffiliate(db, p.brandId, p.affiliateId, { campaignId: p.campaignId }),
    checkCouponPlan(db, p.brandId),
  ]);
  const selfService = options.filter((o) => o.allow_affiliate_self_service);
  return {
    codes,
    selfServiceCoupons: selfService,
    canMint: p.affiliateStatus === "approved" && selfService.length > 0 && planError === null,
  };
}

/**
 * An approved affiliate mints a vanity code on a campaign they are enrolled in, on a coupon that
 * allows self-service, under the same rules as brand-made codes (no commission override).
 */
export async function createVanityCode(
  db: DB,
  deps: CouponDeps,
  userId: string,
  campaignId: string,
  input: { campaign_coupon_id: string; code?: string | null },
): Promise<CouponResult<{ code: AffiliateCoupon }>> {
  const p = await getPortalCampaign(db, userId, campaignId);
  if (!p) return { ok: false, error: couponError("not_found", "Campaign not found.") };
  if (p.affiliateStatus !== "approved") {
    return {
      ok: false,
      error: couponError(
        "invalid_request",
        `You can create codes once ${p.brandName} approves you.`,
      ),
    };
  }
  const coupon = isUuid(input.campaign_coupon_id)
    ? await db
        .selectFrom("campaign_coupons")
        .select(["id", "allow_affiliate_self_service"])
        .where("brand_id", "=", p.brandId)
        .where("campaign_id", "=", p.campaignId)
        .where("id", "=", input.campaign_coupon_id)
        .where("deleted_at", "is", null)
        .executeTakeFirst()
    : undefined;
  if (!coupon)
    return {
      ok: false,
      error: couponError("not_found", "Coupon not found.", "campaign_coupon_id"),
    };
  if (!coupon.allow_affiliate_self_service) {
    return {
      ok: false,
      error: couponError("invalid_request", SELF_SERVICE_OFF_MESSAGE, "campaign_coupon_id"),
    };
  }
  return createAffiliateCode(
    db,
    deps,
    p.brandId,
    p.affiliateId,
    { campaign_coupon_id: coupon.id, code: input.code ?? null },
    { createdBy: "affiliate" },
  );
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

// ---------------------------------------------------------------------------------------------
// View models for the code lists (brand tab and affiliate portal)

/** A code row as the `CodeList` component shows it (the discount in words, dates as days). */
export function codeListItem(row: AffiliateCodeRow) {
  return {
    id: row.id,
    code: row.code,
    discount: describeDiscount(row),
    couponName: row.coupon_name,
    campaignName: row.campaign_name,
    redemptionCount: row.redemption_count,
    maxRedemptions: row.max_redemptions,
    commission:
      row.commission_rate_bps === null
        ? null
        : `${formatPercent(row.commission_rate_bps)} (this code)`,
    active: row.active,
    inactiveLabel: row.active ? null : inactiveLabel(row.inactive_reason),
    syncError: row.stripe_sync_error,
    stripePending: row.stripe_status === "pending_stripe",
    deleted: row.deleted_at !== null,
    createdBy: row.created_by,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString().slice(0, 10) : null,
  };
}

/** A coupon choice for the Generate form: "Acme Partners · Launch — 20% off your first month". */
export function couponOptionLabel(o: CouponOption, withCampaign: boolean): string {
  return `${withCampaign ? `${o.campaign_name} · ` : ""}${o.name} — ${describeDiscount(o)}`;
}
