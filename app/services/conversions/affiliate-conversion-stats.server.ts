/**
 * An affiliate's results as the brand sees them on the affiliate's page: per-code redemptions and
 * the conversions credited through each code (per currency), and the net ledger balance per
 * currency. Brand-scoped.
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { isUuid } from "~/domain/ids";

export interface CodeStats {
  id: string;
  code: string;
  couponName: string;
  campaignName: string;
  active: boolean;
  deleted: boolean;
  redemptions: number;
  conversions: number;
  /** One row per currency the code's conversions were paid in (empty when none). */
  byCurrency: { currency: string; conversions: number; revenue: number; commission: number }[];
}

/**
 * Each code of the affiliate: Stripe-side redemptions (the code's counter) and the conversions
 * credited to this affiliate through the code — count, net revenue and commission per currency.
 * Deleted codes are listed only when they brought conversions.
 */
export async function affiliateCodeStats(
  db: DB,
  brandId: string,
  affiliateId: string,
): Promise<CodeStats[]> {
  if (!isUuid(affiliateId)) return [];
  const rows = await db
    .selectFrom("affiliate_coupons as ac")
    .innerJoin("campaign_coupons as cc", "cc.id", "ac.campaign_coupon_id")
    .innerJoin("campaigns as cp", "cp.id", "ac.campaign_id")
    .leftJoin("conversions as c", (j) =>
      j
        .onRef("c.affiliate_coupon_id", "=", "ac.id")
        .onRef("c.affiliate_id", "=", "ac.affiliate_id")
        .onRef("c.brand_id", "=", "ac.brand_id"),
    )
    .select([
      "ac.id",
      "ac.code",
      "ac.active",
      "ac.deleted_at",
      "ac.redemption_count",
      "ac.created_at",
      "cc.name as coupon_name",
      "cp.name as campaign_name",
      "c.currency",
      sql<number>`count(c.id)::int`.as("conversions"),
      sql<number>`coalesce(sum(c.amount - c.refunded_amount), 0)::bigint`.as("revenue"),
      sql<number>`coalesce(sum(c.commission_amount), 0)::bigint`.as("commission"),
    ])
    .where("ac.brand_id", "=", brandId)
    .where("ac.affiliate_id", "=", affiliateId)
    .groupBy(["ac.id", "cc.name", "cp.name", "c.currency"])
    .orderBy("ac.created_at", "desc")
    .orderBy("ac.id")
    .orderBy("c.currency")
    .execute();
  const byId = new Map<string, CodeStats>();
  for (const r of rows) {
    let s = byId.get(r.id);
    if (!s) {
      s = {
        id: r.id,
        code: r.code,
        couponName: r.coupon_name,
        campaignName: r.campaign_name,
        active: r.active,
        deleted: r.deleted_at !== null,
        redemptions: Number(r.redemption_count),
        conversions: 0,
        byCurrency: [],
      };
      byId.set(r.id, s);
    }
    if (r.currency) {
      s.conversions += Number(r.conversions);
      s.byCurrency.push({
        currency: r.currency,
        conversions: Number(r.conversions),
        revenue: Number(r.revenue),
        commission: Number(r.commission),
      });
    }
  }
  return [...byId.values()].filter((s) => !s.deleted || s.conversions > 0);
}

/** An affiliate's net balance per currency: the sum of its ledger entries. */
export async function affiliateBalances(
  db: DB,
  brandId: string,
  affiliateId: string,
): Promise<{ currency: string; amount: number }[]> {
  const rows = await db
    .selectFrom("commission_entries")
    .select(["currency", sql<number>`coalesce(sum(amount), 0)::bigint`.as("amount")])
    .where("brand_id", "=", brandId)
    .where("affiliate_id", "=", affiliateId)
    .groupBy("currency")
    .orderBy("currency")
    .execute();
  return rows.map((r) => ({ currency: r.currency, amount: Number(r.amount) }));
}
