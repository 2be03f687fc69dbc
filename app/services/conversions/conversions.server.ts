/**
 * Conversions: brand-scoped queries, the public JSON shape (DESIGN.md section 7) and affiliate
 * balances from the append-only ledger.
 */
import { sql } from "kysely";
import { z } from "zod";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import { isUuid } from "~/domain/ids";

import type { AttributionMethod, ConversionStatus } from "~/domain/conversion-enums";

/** The conversion exactly as the REST API, CSV export and outbound webhooks show it. */
export interface ConversionJson {
  id: string;
  campaign_id: string | null;
  affiliate_id: string | null;
  attribution_method: AttributionMethod;
  coupon_code: string | null;
  amount: number;
  currency: string;
  commission_amount: number;
  refunded_amount: number;
  status: ConversionStatus;
  stripe: {
    customer_id: string | null;
    invoice_id: string | null;
    subscription_id: string | null;
    checkout_session_id: string | null;
    payment_intent_id: string | null;
  };
  decision: Record<string, unknown>;
  occurred_at: string;
  created_at: string;
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

export function conversionJson(row: ConversionRow): ConversionJson {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    affiliate_id: row.affiliate_id,
    attribution_method: row.attribution_method,
    coupon_code: row.coupon_code,
    amount: Number(row.amount),
    currency: row.currency,
    commission_amount: Number(row.commission_amount),
    refunded_amount: Number(row.refunded_amount),
    status: row.status,
    stripe: {
      customer_id: row.stripe_customer_id,
      invoice_id: row.stripe_invoice_id,
      subscription_id: row.stripe_subscription_id,
      checkout_session_id: row.stripe_checkout_session_id,
      payment_intent_id: row.stripe_payment_intent_id,
    },
    decision: row.decision,
    occurred_at: iso(row.occurred_at),
    created_at: iso(row.created_at),
  };
}

export const conversionFiltersSchema = z.object({
  attribution_method: z.enum(["link", "coupon", "s2s"]).optional(),
  affiliate_id: z.uuid().optional(),
  status: z.enum(["approved", "partially_refunded", "refunded"]).optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
});
export type ConversionFilters = z.infer<typeof conversionFiltersSchema>;

/** The brand's conversions with the filters applied (unordered; callers add keyset pagination). */
export function conversionsQuery(db: DB, brandId: string, filters: ConversionFilters = {}) {
  let q = db
    .selectFrom("conversions")
    .selectAll("conversions")
    .where("conversions.brand_id", "=", brandId);
  if (filters.attribution_method)
    q = q.where("conversions.attribution_method", "=", filters.attribution_method);
  if (filters.affiliate_id) q = q.where("conversions.affiliate_id", "=", filters.affiliate_id);
  if (filters.status) q = q.where("conversions.status", "=", filters.status);
  if (filters.created_gte)
    q = q.where("conversions.created_at", ">=", new Date(filters.created_gte));
  if (filters.created_lt) q = q.where("conversions.created_at", "<", new Date(filters.created_lt));
  return q;
}

export interface ConversionPage {
  rows: ConversionRow[];
  hasMore: boolean;
  /** Pass back as `after` for the next page. */
  next: { createdAt: Date; id: string } | null;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listConversions(
  db: DB,
  brandId: string,
  filters: ConversionFilters = {},
  page: { limit?: number; after?: { createdAt: Date; id: string } | null } = {},
): Promise<ConversionPage> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 100);
  let q = conversionsQuery(db, brandId, filters);
  if (page.after) {
    const after = page.after;
    q = q.where(
      sql<boolean>`(conversions.created_at, conversions.id) < (${after.createdAt}, ${after.id}::uuid)`,
    );
  }
  const rows = await q
    .orderBy("conversions.created_at", "desc")
    .orderBy("conversions.id", "desc")
    .limit(limit + 1)
    .execute();
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return {
    rows: data,
    hasMore,
    next: hasMore && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}

export async function getConversion(
  db: DB,
  brandId: string,
  id: string,
): Promise<ConversionRow | null> {
  if (!isUuid(id)) return null;
  const row = await db
    .selectFrom("conversions")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row ?? null;
}

/** The ledger of one conversion (oldest first). */
export async function conversionLedger(db: DB, brandId: string, conversionId: string) {
  return db
    .selectFrom("commission_entries")
    .select(["id", "affiliate_id", "kind", "amount", "currency", "created_at"])
    .where("brand_id", "=", brandId)
    .where("conversion_id", "=", conversionId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
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
