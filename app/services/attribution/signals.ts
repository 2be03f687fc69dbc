/**
 * Database look-ups that turn Stripe signals (promotion code ids, click ids) into Rekomi's
 * candidates, brand-scoped. Read-only.
 */
import type { ClickCandidate, CouponCandidate, ExistingReferral } from "~/domain/attribution";
import { isClickWithinWindow } from "~/domain/attribution";
import { commissionContextOf } from "~/domain/commission-context";
import type { CommissionContext } from "~/domain/payment-plan";
import type { DB } from "~/db/db.server";
import type { AffiliateStatus, ReferralRow } from "~/db/schema";
import type { PaymentRecord } from "~/domain/payment-history";

export interface CouponInfo {
  affiliateCouponId: string;
  promotionCodeId: string | null;
  code: string;
  affiliateId: string;
  affiliateStatus: AffiliateStatus;
  campaignId: string;
  campaignCouponId: string;
  overridesClickAttribution: boolean;
  commissionRateBps: number | null;
}

export interface ClickInfo {
  clickId: string;
  affiliateId: string;
  affiliateStatus: AffiliateStatus;
  campaignId: string;
  clickedAt: Date;
  cookieWindowDays: number;
}

export interface SubscriptionSignals {
  promotionCodeIds: string[];
  clickRef: string | null;
}

/** Why an affiliate cannot earn now (null = approved). */
export function affiliateIneligibility(status: AffiliateStatus): string | null {
  return status === "approved" ? null : `affiliate_${status}`;
}

export class SignalResolver {
  readonly couponsByPromo = new Map<string, CouponInfo>();
  readonly couponsById = new Map<string, CouponInfo>();
  readonly clicks = new Map<string, ClickInfo>();
  readonly subscriptions = new Map<string, SubscriptionSignals>();
  private readonly askedPromos = new Set<string>();
  private readonly askedHints = new Set<string>();
  private readonly askedClicks = new Set<string>();
  private readonly askedSubs = new Set<string>();

  constructor(
    private readonly q: DB,
    readonly brandId: string,
    /** `metadata.rekomi_ref` of the customer (applies to each of its payments without its own). */
    public customerClickRef: string | null = null,
  ) {}

  private couponQuery() {
    return this.q
      .selectFrom("affiliate_coupons as ac")
      .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
      .innerJoin("affiliates as a", "a.id", "ac.affiliate_id")
      .select([
        "ac.id",
        "ac.stripe_promotion_code_id",
        "ac.code",
        "ac.affiliate_id",
        "a.status",
        "ac.campaign_id",
        "ac.campaign_coupon_id",
        "cc.overrides_click_attribution",
        "ac.commission_rate_bps",
      ])
      .where("ac.brand_id", "=", this.brandId);
  }

  private remember(row: {
    id: string;
    stripe_promotion_code_id: string | null;
    code: string;
    affiliate_id: string;
    status: AffiliateStatus;
    campaign_id: string;
    campaign_coupon_id: string;
    overrides_click_attribution: boolean;
    commission_rate_bps: number | null;
  }): CouponInfo {
    const info: CouponInfo = {
      affiliateCouponId: row.id,
      promotionCodeId: row.stripe_promotion_code_id,
      code: row.code,
      affiliateId: row.affiliate_id,
      affiliateStatus: row.status,
      campaignId: row.campaign_id,
      campaignCouponId: row.campaign_coupon_id,
      overridesClickAttribution: row.overrides_click_attribution,
      commissionRateBps: row.commission_rate_bps,
    };
    this.couponsById.set(info.affiliateCouponId, info);
    if (info.promotionCodeId) this.couponsByPromo.set(info.promotionCodeId, info);
    return info;
  }

  /**
   * Take over another resolver's brand look-ups (codes, clicks: rows the attribution job never
   * writes), so the apply phase does not ask again what the gather phase asked a moment before.
   * Subscription signals are customer state written by the job: they are not copied and are read
   * again under the lock.
   */
  seedFrom(other: SignalResolver): void {
    if (other.brandId !== this.brandId) return;
    for (const [k, v] of other.couponsByPromo) this.couponsByPromo.set(k, v);
    for (const [k, v] of other.couponsById) this.couponsById.set(k, v);
    for (const [k, v] of other.clicks) this.clicks.set(k, v);
    for (const p of other.askedPromos) this.askedPromos.add(p);
    for (const h of other.askedHints) this.askedHints.add(h);
    for (const c of other.askedClicks) this.askedClicks.add(c);
  }

  /** A subscription's signals read elsewhere (null: no row), so `load` does not ask for them. */
  knowSubscription(subscriptionId: string, signals: SubscriptionSignals | null): void {
    this.askedSubs.add(subscriptionId);
    if (signals) this.subscriptions.set(subscriptionId, signals);
  }

  /** Load everything the given payments refer to (batched; each id asked once). */
  async load(records: readonly PaymentRecord[]): Promise<void> {
    const promos = new Set<string>();
    const hints = new Set<string>();
    const clicks = new Set<string>();
    const subs = new Set<string>();
    if (this.customerClickRef) clicks.add(this.customerClickRef);
    for (const r of records) {
      for (const p of r.promotionCodeIds) if (!this.askedPromos.has(p)) promos.add(p);
      for (const h of r.affiliateCouponHints) if (!this.askedHints.has(h)) hints.add(h);
      if (r.clickRef) clicks.add(r.clickRef);
      if (r.subscriptionId && r.billingReason === "subscription_create") {
        if (!this.askedSubs.has(r.subscriptionId)) subs.add(r.subscriptionId);
        else {
          // Known already (e.g. read with the payment's state): its signals still need resolving.
          const known = this.subscriptions.get(r.subscriptionId);
          for (const p of known?.promotionCodeIds ?? [])
            if (!this.askedPromos.has(p)) promos.add(p);
          if (known?.clickRef) clicks.add(known.clickRef);
        }
      }
    }
    if (subs.size > 0) {
      const rows = await this.q
        .selectFrom("stripe_subscriptions")
        .select(["subscription_id", "promotion_code_ids", "click_ref"])
        .where("brand_id", "=", this.brandId)
        .where("subscription_id", "in", [...subs])
        .execute();
      for (const s of subs) this.askedSubs.add(s);
      for (const row of rows) {
        const ids = Array.isArray(row.promotion_code_ids)
          ? (row.promotion_code_ids as string[])
          : [];
        this.subscriptions.set(row.subscription_id, {
          promotionCodeIds: ids,
          clickRef: row.click_ref,
        });
        for (const p of ids) if (!this.askedPromos.has(p)) promos.add(p);
        if (row.click_ref) clicks.add(row.click_ref);
      }
    }
    if (promos.size > 0) {
      const rows = await this.couponQuery()
        .where("ac.stripe_promotion_code_id", "in", [...promos])
        .execute();
      for (const p of promos) this.askedPromos.add(p);
      rows.forEach((row) => this.remember(row));
    }
    if (hints.size > 0) {
      const rows = await this.couponQuery()
        .where("ac.id", "in", [...hints])
        .execute();
      for (const h of hints) this.askedHints.add(h);
      rows.forEach((row) => this.remember(row));
    }
    await this.loadClicks([...clicks]);
  }

  /** Load the clicks not asked for yet (with their affiliate's status and cookie window). */
  private async loadClicks(clicks: string[]): Promise<void> {
    const newClicks = clicks.filter((c) => !this.askedClicks.has(c));
    if (newClicks.length > 0) {
      const rows = await this.q
        .selectFrom("clicks as k")
        .innerJoin("affiliates as a", "a.id", "k.affiliate_id")
        .innerJoin("campaigns as c", "c.id", "k.campaign_id")
        .select([
          "k.id",
          "k.affiliate_id",
          "a.status",
          "k.campaign_id",
          "k.created_at",
          "c.cookie_window_days",
        ])
        .where("k.brand_id", "=", this.brandId)
        .where("k.id", "in", newClicks)
        .execute();
      for (const c of newClicks) this.askedClicks.add(c);
      for (const row of rows) {
        this.clicks.set(row.id, {
          clickId: row.id,
          affiliateId: row.affiliate_id,
          affiliateStatus: row.status,
          campaignId: row.campaign_id,
          clickedAt: row.created_at,
          cookieWindowDays: row.cookie_window_days,
        });
      }
    }
  }

  /** The promotion codes that count for a payment (a first invoice also carries its subscription's). */
  promotionCodesOf(r: PaymentRecord): string[] {
    const out = [...r.promotionCodeIds];
    if (r.subscriptionId && r.billingReason === "subscription_create") {
      for (const p of this.subscriptions.get(r.subscriptionId)?.promotionCodeIds ?? [])
        if (!out.includes(p)) out.push(p);
    }
    return out;
  }

  /** The first Rekomi affiliate code used on the payment, if any. */
  couponOf(r: PaymentRecord): CouponInfo | null {
    for (const p of this.promotionCodesOf(r)) {
      const hit = this.couponsByPromo.get(p);
      if (hit) return hit;
    }
    for (const h of r.affiliateCouponHints) {
      const hit = this.couponsById.get(h);
      // A hint only resolves a code Rekomi has not linked to another promotion code.
      if (hit && (hit.promotionCodeId === null || r.promotionCodeIds.includes(hit.promotionCodeId)))
        return hit;
    }
    return null;
  }

  /** The Rekomi click id of the payment: its own, its subscription's, else the customer's. */
  clickRefOf(r: PaymentRecord): string | null {
    const sub =
      r.subscriptionId && r.billingReason === "subscription_create"
        ? this.subscriptions.get(r.subscriptionId)
        : undefined;
    return r.clickRef ?? sub?.clickRef ?? this.customerClickRef;
  }

  clickCandidate(r: PaymentRecord): ClickCandidate | null {
    const ref = this.clickRefOf(r);
    const info = ref ? this.clicks.get(ref) : undefined;
    if (!info) return null;
    let reason = affiliateIneligibility(info.affiliateStatus);
    if (
      !reason &&
      !isClickWithinWindow(info.clickedAt, info.cookieWindowDays, new Date(r.at * 1000))
    ) {
      reason = "click_expired";
    }
    return {
      clickId: info.clickId,
      affiliateId: info.affiliateId,
      campaignId: info.campaignId,
      clickedAt: info.clickedAt,
      ineligibleReason: reason,
    };
  }

  couponCandidate(r: PaymentRecord, alreadyRedeemedByCustomer: boolean): CouponCandidate | null {
    const info = this.couponOf(r);
    if (!info) return null;
    return {
      affiliateCouponId: info.affiliateCouponId,
      code: info.code,
      affiliateId: info.affiliateId,
      campaignId: info.campaignId,
      campaignCouponId: info.campaignCouponId,
      overridesClickAttribution: info.overridesClickAttribution,
      commissionRateBps: info.commissionRateBps,
      alreadyRedeemedByCustomer,
      ineligibleReason: affiliateIneligibility(info.affiliateStatus),
    };
  }
}

/**
 * The referral row as the domain's `ExistingReferral`, with the bound affiliate's eligibility now
 * (`affiliateStatus`: already read with the referral; undefined = read it here; null = deleted).
 */
export async function existingReferral(
  q: DB,
  referral: ReferralRow,
  affiliateStatus?: AffiliateStatus | null,
): Promise<ExistingReferral> {
  const affiliate =
    affiliateStatus !== undefined
      ? affiliateStatus === null
        ? undefined
        : { status: affiliateStatus }
      : await q
          .selectFrom("affiliates")
          .select("status")
          .where("id", "=", referral.affiliate_id)
          .where("brand_id", "=", referral.brand_id)
          .executeTakeFirst();
  return {
    referralId: referral.id,
    affiliateId: referral.affiliate_id,
    campaignId: referral.campaign_id,
    method: referral.method,
    boundAt: referral.bound_at,
    affiliateCouponId: referral.affiliate_coupon_id,
    commissionRateBps: referral.commission_rate_bps,
    ineligibleReason: affiliate ? affiliateIneligibility(affiliate.status) : "affiliate_deleted",
  };
}

/**
 * The credited campaign's terms and the parent that may earn an override, in one query (the
 * attribution job's hot path; S2S too): null when the campaign is not the brand's. The rule is
 * the domain's (`commissionContextOf`, app/domain/commission-context.ts).
 */
export async function commissionContext(
  q: DB,
  brandId: string,
  campaignId: string,
  affiliateId: string,
): Promise<CommissionContext | null> {
  const c = await q
    .selectFrom("campaigns as c")
    .leftJoin("affiliates as a", (j) =>
      j.on("a.id", "=", affiliateId).on("a.brand_id", "=", brandId),
    )
    .leftJoin("affiliates as p", (j) =>
      j.onRef("p.id", "=", "a.parent_affiliate_id").on("p.brand_id", "=", brandId),
    )
    .select([
      "c.commission_type",
      "c.commission_percent_bps",
      "c.commission_amount",
      "c.commission_currency",
      "c.sub_affiliate_override_bps",
      "c.recurring_months",
      "p.id as parent_id",
      "p.status as parent_status",
      "a.recruit_flags",
      "a.recruit_flags_cleared_at",
    ])
    .where("c.id", "=", campaignId)
    .where("c.brand_id", "=", brandId)
    .executeTakeFirst();
  return c ? commissionContextOf(affiliateId, c) : null;
}
