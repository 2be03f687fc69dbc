/**
 * Affiliate use-cases: the brand's list/detail/status changes, the public join flow, and creation
 * through the API. Brand functions are scoped by brand; portal functions by the affiliate's user.
 */
import { randomBytes } from "node:crypto";
import { type Transaction, sql } from "kysely";
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Affiliate, AffiliateStatus, Campaign, Database, Enrollment } from "~/db/schema";
import { AFFILIATE_STATUSES, canTransition } from "~/domain/affiliate";
import { encodeReadableCode, LINK_CODE_LENGTH } from "~/domain/codes";
import { type FieldErrors, fieldErrorsOf } from "~/domain/forms";
import { isUuid } from "~/domain/ids";
import { applyAffiliateStatusToCodes } from "../campaigns/affiliate-code-stripe.server";
import { inTransaction } from "~/db/tx.server";
import { sendAffiliateInvitation } from "../accounts/invitations.server";
import { queueNotification } from "../notifications/notification-events.server";

type Trx = Transaction<Database>;

export const emailSchema = z
  .string({ message: "Enter your email address." })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address.")
  .max(254, "Use an email address of at most 254 characters.")
  .pipe(z.email("Enter a valid email address, such as you@example.com."));

export const personNameSchema = z
  .string({ message: "Enter your name." })
  .trim()
  .min(1, "Enter your name.")
  .max(100, "Use at most 100 characters.");

/** Creating an affiliate on a brand's behalf (REST API). */
export const createAffiliateInputSchema = z.object({
  email: emailSchema,
  name: personNameSchema,
  campaignId: z.string().refine(isUuid, "Unknown campaign."),
  status: z.enum(AFFILIATE_STATUSES).optional(),
});
export type CreateAffiliateInput = z.input<typeof createAffiliateInputSchema>;

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
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom("affiliates")
    .selectAll()
    .where("brand_id", "=", brandId)
    .where("id", "=", id)
    .executeTakeFirst();
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

export type SetStatusResult =
  | { ok: true; affiliate: Affiliate; changed: boolean }
  | { ok: false; reason: "not_found" | "invalid_transition"; message: string };

/** Move one of the brand's affiliates to a new status, if the move is allowed. */
export async function setAffiliateStatus(
  db: DB,
  brandId: string,
  id: string,
  status: AffiliateStatus,
): Promise<SetStatusResult> {
  if (!isUuid(id)) return { ok: false, reason: "not_found", message: "Affiliate not found." };
  return inTransaction(db, async (trx): Promise<SetStatusResult> => {
    const current = await trx
      .selectFrom("affiliates")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return { ok: false, reason: "not_found", message: "Affiliate not found." };
    if (current.status === status) return { ok: true, affiliate: current, changed: false };
    if (!canTransition(current.status, status)) {
      return {
        ok: false,
        reason: "invalid_transition",
        message: `A ${current.status} affiliate cannot be moved to ${status}.`,
      };
    }
    const affiliate = await trx
      .updateTable("affiliates")
      .set({ status, updated_at: sql<Date>`now()` })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Suspension/rejection stops their codes in Stripe; approving again reactivates those (issue 15).
    await applyAffiliateStatusToCodes(trx, brandId, current.id, status);
    if (status === "approved" || status === "rejected")
      await queueNotification(trx, { kind: "application_decided", affiliateId: affiliate.id });
    return { ok: true, affiliate, changed: true };
  });
}

function newCode(): string {
  return encodeReadableCode(randomBytes(LINK_CODE_LENGTH));
}

/** The brand's affiliate row for this email, created when missing (with a unique recruit code). */
export async function findOrCreateAffiliate(
  trx: Trx,
  values: {
    brandId: string;
    email: string;
    name: string;
    userId: string | null;
    status: AffiliateStatus;
    invitedAt?: Date | null;
  },
): Promise<{ affiliate: Affiliate; created: boolean }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const existing = await trx
      .selectFrom("affiliates")
      .selectAll()
      .where("brand_id", "=", values.brandId)
      .where("email", "=", values.email)
      .forUpdate()
      .executeTakeFirst();
    if (existing) return { affiliate: existing, created: false };
    const inserted = await trx
      .insertInto("affiliates")
      .values({
        brand_id: values.brandId,
        user_id: values.userId,
        email: values.email,
        name: values.name,
        status: values.status,
        recruit_code: newCode(),
        invited_at: values.invitedAt ?? null,
      })
      // Either a recruit-code collision (retry with a new code) or a concurrent insert of the same
      // brand+email (the next select finds it).
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { affiliate: inserted, created: true };
  }
  throw new Error("Could not create the affiliate (code collisions)");
}

/** The affiliate's enrollment in the campaign, created when missing with a unique link code. */
export async function findOrCreateEnrollment(
  trx: Trx,
  values: { brandId: string; campaignId: string; affiliateId: string },
): Promise<{ enrollment: Enrollment; created: boolean }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const existing = await trx
      .selectFrom("enrollments")
      .selectAll()
      .where("campaign_id", "=", values.campaignId)
      .where("affiliate_id", "=", values.affiliateId)
      .executeTakeFirst();
    if (existing) return { enrollment: existing, created: false };
    const inserted = await trx
      .insertInto("enrollments")
      .values({
        brand_id: values.brandId,
        campaign_id: values.campaignId,
        affiliate_id: values.affiliateId,
        link_code: newCode(),
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { enrollment: inserted, created: true };
  }
  throw new Error("Could not create the enrollment (code collisions)");
}

export type CreateAffiliateResult =
  | { ok: true; affiliate: Affiliate; enrollment: Enrollment }
  | { ok: false; reason: "invalid"; fieldErrors: FieldErrors }
  | { ok: false; reason: "conflict"; message: string };

/**
 * A brand adds an affiliate itself (REST API): the affiliate row (approved unless a status is
 * given) enrolled in one of the brand's campaigns, and an emailed invitation. The row has no user
 * until someone opens the invitation link and claims it with that verified email (invitations);
 * it can already have codes and links and earn commission. An email already used by one of the
 * brand's affiliates is a conflict.
 */
export async function createAffiliate(
  db: DB,
  config: Pick<Config, "appUrl">,
  brandId: string,
  input: CreateAffiliateInput,
): Promise<CreateAffiliateResult> {
  const parsed = createAffiliateInputSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, reason: "invalid", fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, name, campaignId, status } = parsed.data;
  return inTransaction(db, async (trx): Promise<CreateAffiliateResult> => {
    const campaign = await trx
      .selectFrom("campaigns")
      .select(["id", "name"])
      .where("brand_id", "=", brandId)
      .where("id", "=", campaignId)
      .executeTakeFirst();
    if (!campaign)
      return { ok: false, reason: "invalid", fieldErrors: { campaignId: "Unknown campaign." } };
    const { affiliate, created } = await findOrCreateAffiliate(trx, {
      brandId,
      email,
      name,
      userId: null,
      status: status ?? "approved",
      invitedAt: new Date(),
    });
    if (!created) {
      return {
        ok: false,
        reason: "conflict",
        message: "This brand already has an affiliate with that email.",
      };
    }
    const { enrollment } = await findOrCreateEnrollment(trx, {
      brandId,
      campaignId,
      affiliateId: affiliate.id,
    });
    await sendAffiliateInvitation(trx, config, { affiliate, campaignName: campaign.name });
    return { ok: true, affiliate, enrollment };
  });
}

/** Enroll an existing affiliate of the brand in another of the brand's campaigns (idempotent). */
export async function enrollAffiliate(
  db: DB,
  brandId: string,
  affiliateId: string,
  campaignId: string,
): Promise<Enrollment | undefined> {
  if (!isUuid(affiliateId) || !isUuid(campaignId)) return undefined;
  return inTransaction(db, async (trx) => {
    const ok = await trx
      .selectFrom("affiliates")
      .innerJoin("campaigns", (j) =>
        j.on("campaigns.brand_id", "=", brandId).on("campaigns.id", "=", campaignId),
      )
      .select("affiliates.id")
      .where("affiliates.brand_id", "=", brandId)
      .where("affiliates.id", "=", affiliateId)
      .executeTakeFirst();
    if (!ok) return undefined;
    return (await findOrCreateEnrollment(trx, { brandId, campaignId, affiliateId })).enrollment;
  });
}

/**
 * The brand looked at a flagged recruit and its recruiter and says they are different people:
 * from now on the recruit's sales pay its parent the override (overrideEarner). False when the
 * affiliate is not the brand's or has no flags.
 */
export async function confirmDifferentPeople(
  db: DB,
  brandId: string,
  affiliateId: string,
): Promise<boolean> {
  if (!isUuid(affiliateId)) return false;
  const row = await db
    .updateTable("affiliates")
    .set({ recruit_flags_cleared_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("id", "=", affiliateId)
    .where("brand_id", "=", brandId)
    .where(sql<boolean>`cardinality(recruit_flags) > 0`)
    .where("recruit_flags_cleared_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}
