/**
 * Reads of a brand's affiliates: the filtered list with campaign counts and parent names, counts
 * by status, one affiliate by id, its enrollments, and the signed-in affiliate's own enrollments
 * across brands (portal). Brand functions are scoped by brand; portal functions by the user.
 */

import { brandRowById } from "~/db/brand-rows.server";
import { z } from "zod";
import type { DB } from "~/db/db.server";
import type { Affiliate, AffiliateStatus, Campaign, Enrollment } from "~/db/schema";
import { AFFILIATE_STATUSES } from "~/domain/affiliate";
import { isUuid } from "~/domain/ids";

export const affiliateStatusFilterSchema = z.enum(AFFILIATE_STATUSES).optional().catch(undefined);

export type AffiliateListRow = Affiliate & { campaign_count: number; parent_name: string | null };

export async function listAffiliates(
  db: DB,
  brandId: string,
  opts: { status?: AffiliateStatus } = {},
): Promise<AffiliateListRow[]> {
  let q = db
    .selectFrom("affiliates")
    .selectAll("affiliates")
    .select((eb) =>
      eb
        .selectFrom("enrollments")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("enrollments.affiliate_id", "=", "affiliates.id")
        .as("campaign_count"),
    )
    .select((eb) =>
      eb
        .selectFrom("affiliates as p")
        .select("p.name")
        .whereRef("p.id", "=", "affiliates.parent_affiliate_id")
        .where("p.brand_id", "=", brandId)
        .as("parent_name"),
    )
    .where("affiliates.brand_id", "=", brandId);
  if (opts.status) q = q.where("affiliates.status", "=", opts.status);
  const rows = await q.orderBy("affiliates.created_at", "desc").orderBy("affiliates.id").execute();
  return rows.map((r) => ({
    ...r,
    campaign_count: Number(r.campaign_count ?? 0),
    parent_name: r.parent_name ?? null,
  }));
}

/** Number of the brand's affiliates per status (for the filter tabs). */
export async function countAffiliatesByStatus(
  db: DB,
  brandId: string,
): Promise<Record<AffiliateStatus | "all", number>> {
  const rows = await db
    .selectFrom("affiliates")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("brand_id", "=", brandId)
    .groupBy("status")
    .execute();
  const out = { all: 0, pending: 0, approved: 0, rejected: 0, suspended: 0 };
  for (const r of rows) {
    out[r.status] = Number(r.n);
    out.all += Number(r.n);
  }
  return out;
}

/** The brand's affiliate, or undefined (unknown, malformed or another brand's id). */
export async function getAffiliate(
  db: DB,
  brandId: string,
  id: string,
): Promise<Affiliate | undefined> {
  return brandRowById(db, "affiliates", brandId, id);
}

export type EnrollmentWithCampaign = Enrollment & {
  campaign_name: string;
  commission_type: Campaign["commission_type"];
  commission_percent_bps: number | null;
  commission_amount: number | null;
  commission_currency: string | null;
  recurring_months: number | null;
};

/** The campaigns one of the brand's affiliates is enrolled in. */
export async function listAffiliateEnrollments(
  db: DB,
  brandId: string,
  affiliateId: string,
): Promise<EnrollmentWithCampaign[]> {
  if (!isUuid(affiliateId)) return [];
  return db
    .selectFrom("enrollments")
    .innerJoin("campaigns", "campaigns.id", "enrollments.campaign_id")
    .selectAll("enrollments")
    .select([
      "campaigns.name as campaign_name",
      "campaigns.commission_type",
      "campaigns.commission_percent_bps",
      "campaigns.commission_amount",
      "campaigns.commission_currency",
      "campaigns.recurring_months",
    ])
    .where("enrollments.brand_id", "=", brandId)
    .where("enrollments.affiliate_id", "=", affiliateId)
    .orderBy("enrollments.created_at")
    .execute();
}

export type PortalEnrollment = EnrollmentWithCampaign & {
  brand_name: string;
  affiliate_status: AffiliateStatus;
  campaign_slug: string;
  sub_affiliate_override_bps: number;
  recruit_code: string;
};

/** Affiliate portal: every enrollment of the signed-in person, across all brands they work with. */
export async function listEnrollmentsForUser(db: DB, userId: string): Promise<PortalEnrollment[]> {
  return db
    .selectFrom("enrollments")
    .innerJoin("affiliates", "affiliates.id", "enrollments.affiliate_id")
    .innerJoin("campaigns", "campaigns.id", "enrollments.campaign_id")
    .innerJoin("brands", "brands.id", "enrollments.brand_id")
    .selectAll("enrollments")
    .select([
      "campaigns.name as campaign_name",
      "campaigns.commission_type",
      "campaigns.commission_percent_bps",
      "campaigns.commission_amount",
      "campaigns.commission_currency",
      "campaigns.recurring_months",
      "brands.name as brand_name",
      "affiliates.status as affiliate_status",
      "campaigns.slug as campaign_slug",
      "campaigns.sub_affiliate_override_bps",
      "affiliates.recruit_code",
    ])
    .where("affiliates.user_id", "=", userId)
    .orderBy("enrollments.created_at")
    .execute();
}
