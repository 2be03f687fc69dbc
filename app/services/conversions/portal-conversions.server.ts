/**
 * The affiliate portal's reads: the signed-in affiliate's own conversions (keyset-paged with
 * conversion-base's pager) and earnings per brand and currency. Scoped to the affiliate rows of
 * the signed-in user, never to a brand; only what an affiliate may see (no customer, Stripe or
 * decision data).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { AttributionMethod, ConversionStatus } from "~/domain/conversion-enums";
import { isUuid } from "~/domain/ids";
import {
  conversionMoney,
  cursorTs,
  type KeysetRequest,
  keysetPage,
  MONEY_COLUMNS,
  scopedConversions,
} from "./conversion-base.server";

export interface PortalConversion {
  id: string;
  occurredAt: string;
  brandName: string;
  campaignName: string | null;
  attributionMethod: AttributionMethod;
  /** Only the affiliate's own code (never another affiliate's code seen on the same sale). */
  couponCode: string | null;
  amount: number;
  refundedAmount: number;
  commissionAmount: number;
  currency: string;
  status: ConversionStatus;
}

/**
 * Conversions credited to the given affiliate rows (the signed-in affiliate's own), newest first.
 * Only what the affiliate may see: no customer, Stripe or decision data.
 */
export async function listPortalConversions(
  db: DB,
  affiliateIds: string[],
  req: KeysetRequest,
): Promise<{ items: PortalConversion[]; older: string | null; newer: string | null }> {
  const ids = affiliateIds.filter(isUuid);
  if (ids.length === 0) return { items: [], older: null, newer: null };
  const q = scopedConversions(db, { affiliateIds: ids })
    .innerJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "conversions.affiliate_id")
        .onRef("affiliates.brand_id", "=", "conversions.brand_id"),
    )
    .innerJoin("brands", "brands.id", "conversions.brand_id")
    .leftJoin("campaigns", "campaigns.id", "conversions.campaign_id")
    .leftJoin("affiliate_coupons as own_code", (j) =>
      j
        .onRef("own_code.id", "=", "conversions.affiliate_coupon_id")
        .onRef("own_code.affiliate_id", "=", "conversions.affiliate_id"),
    )
    .select([
      "conversions.id",
      "conversions.occurred_at",
      "brands.name as brand_name",
      "campaigns.name as campaign_name",
      "conversions.attribution_method",
      "own_code.code as own_code",
      ...MONEY_COLUMNS,
      cursorTs.as("cursor_ts"),
    ]);
  const { rows, older, newer } = await keysetPage(q, req);
  return {
    items: rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at.toISOString(),
      brandName: r.brand_name,
      campaignName: r.campaign_name,
      attributionMethod: r.attribution_method,
      couponCode: r.attribution_method === "coupon" ? r.own_code : null,
      ...conversionMoney(r),
    })),
    older,
    newer,
  };
}

export interface PortalEarnings {
  brandName: string;
  currency: string;
  commission: number;
  overrides: number;
  clawbacks: number;
  net: number;
}

/** The affiliate's ledger per brand and currency: commissions, sub-affiliate overrides, clawbacks. */
export async function portalEarnings(db: DB, affiliateIds: string[]): Promise<PortalEarnings[]> {
  const ids = affiliateIds.filter(isUuid);
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("commission_entries as e")
    .innerJoin("affiliates as a", (j) =>
      j.onRef("a.id", "=", "e.affiliate_id").onRef("a.brand_id", "=", "e.brand_id"),
    )
    .innerJoin("brands as b", "b.id", "e.brand_id")
    .select([
      "b.name as brand_name",
      "e.currency",
      sql<number>`coalesce(sum(e.amount) filter (where e.kind = 'commission'), 0)::bigint`.as(
        "commission",
      ),
      sql<number>`coalesce(sum(e.amount) filter (where e.kind = 'override'), 0)::bigint`.as(
        "overrides",
      ),
      sql<number>`coalesce(sum(e.amount) filter (where e.kind in ('clawback','override_clawback')), 0)::bigint`.as(
        "clawbacks",
      ),
      sql<number>`coalesce(sum(e.amount), 0)::bigint`.as("net"),
    ])
    .where("e.affiliate_id", "in", ids)
    .groupBy(["b.id", "b.name", "e.currency"])
    .orderBy("b.name")
    .orderBy("e.currency")
    .execute();
  return rows.map((r) => ({
    brandName: r.brand_name,
    currency: r.currency,
    commission: Number(r.commission),
    overrides: Number(r.overrides),
    clawbacks: Number(r.clawbacks),
    net: Number(r.net),
  }));
}
