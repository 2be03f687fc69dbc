/**
 * Affiliate writes: status changes (with their codes and notifications), find-or-create of the
 * affiliate and its enrollment (used by the join flow), creation by the brand or the API with an
 * optional invitation, enrolment, and "these are different people". Reads are in
 * affiliate-reads.server.ts. Scoped by brand.
 */
import { randomBytes } from "node:crypto";
import { type Transaction, sql } from "kysely";
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Affiliate, AffiliateStatus, Database, Enrollment } from "~/db/schema";
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
