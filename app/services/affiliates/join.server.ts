/**
 * Joining a campaign through `/join/{slug}` (recruiting links: `?via=`), without account takeover:
 * - anonymously: creates a NEW account (unverified; a verification link is emailed) with its
 *   affiliate row and enrollment. No session is started, and an address that already has an
 *   account gets an email ("sign in to join") instead: the answer is the same either way, no
 *   password is ever compared here, so /join neither logs anyone in nor reveals accounts.
 * - signed in: joins the signed-in user (the "Sign in to join" path).
 * Joining never attaches an existing affiliate row without a user (a brand's invitation) to
 * anyone: that takes the emailed invitation link.
 */
import { sql, type Transaction } from "kysely";
import { z } from "zod";
import { hashPassword } from "~/auth/password.server";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Affiliate, Campaign, Database, Enrollment } from "~/db/schema";
import { statusOnJoin } from "~/domain/affiliate";
import { fieldErrorsOf, type FieldErrors } from "~/domain/forms";
import { newPasswordSchema } from "~/domain/passwords";
import { parentOnJoin, recruitFlags, recruitStatus } from "~/domain/recruiting";
import {
  emailSchema,
  findOrCreateAffiliate,
  findOrCreateEnrollment,
  personNameSchema,
} from "./affiliates.server";
import { inTransaction } from "~/db/tx.server";
import { getCampaignBySlug } from "../campaigns/campaigns.server";
import {
  sendVerificationEmail,
  tellAlreadyRegistered,
} from "../accounts/email-verification.server";
import { resendAffiliateInvitation } from "../accounts/invitations.server";
import { queueNotification } from "../notifications/notification-events.server";
import { findRecruiter } from "./recruiting.server";

type Trx = Transaction<Database>;
type AppUrl = Pick<Config, "appUrl">;

/** The join form (also usable as a JSON body). */
export const joinInputSchema = z.object({
  name: personNameSchema,
  email: emailSchema,
  password: newPasswordSchema,
});

type CampaignWithBrand = NonNullable<Awaited<ReturnType<typeof getCampaignBySlug>>>;

export type Enrolled =
  | { kind: "joined"; affiliate: Affiliate; enrollment: Enrollment }
  /** The brand already invited this address: the invitation link was emailed again. */
  | { kind: "invited" }
  /** The brand's affiliate with this address belongs to another account. */
  | { kind: "taken" };

interface JoinPerson {
  userId: string;
  email: string;
  name: string;
  parentRecruitCode?: unknown;
  /** The /join request's client IP, compared with the recruiter's (recruitFlags). */
  clientIp?: string;
}

/**
 * A new affiliate row from /join: its signup IP, and for a recruit the parent, the flags that say
 * it may be that parent under another name, and the status recruits get (recruitStatus).
 */
async function recordNewJoiner(
  trx: Trx,
  campaign: CampaignWithBrand,
  affiliate: Affiliate,
  person: JoinPerson,
): Promise<Affiliate> {
  const signupIp = person.clientIp ?? null;
  const recruiter =
    person.parentRecruitCode != null
      ? await findRecruiter(trx, campaign.brand_id, person.parentRecruitCode)
      : undefined;
  const parentId = parentOnJoin(recruiter, {
    id: affiliate.id,
    brandId: affiliate.brand_id,
    isNew: true,
    parentAffiliateId: affiliate.parent_affiliate_id,
  });
  const recruit =
    parentId && recruiter
      ? (() => {
          const flags = recruitFlags(recruiter, { email: person.email, signupIp });
          return {
            parent_affiliate_id: parentId,
            recruit_flags: flags,
            status: recruitStatus({
              autoApproveRecruits: campaign.auto_approve_recruits,
              flags,
            }),
          };
        })()
      : {};
  return trx
    .updateTable("affiliates")
    .set({ signup_ip: signupIp, ...recruit, updated_at: sql<Date>`now()` })
    .where("id", "=", affiliate.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The user's affiliate row in the campaign's brand (created or reused) and the enrollment. */
async function enroll(
  trx: Trx,
  config: AppUrl,
  campaign: CampaignWithBrand,
  person: JoinPerson,
): Promise<Enrolled> {
  const found = await findOrCreateAffiliate(trx, {
    brandId: campaign.brand_id,
    email: person.email,
    name: person.name,
    userId: person.userId,
    status: statusOnJoin(undefined, campaign.auto_approve),
  });
  let affiliate = found.affiliate;
  if (!found.created) {
    if (affiliate.user_id === null) {
      await resendAffiliateInvitation(trx, config, campaign.brand_id, affiliate.id);
      return { kind: "invited" };
    }
    if (affiliate.user_id !== person.userId) return { kind: "taken" };
    const status = statusOnJoin(affiliate.status, campaign.auto_approve);
    if (status !== affiliate.status) {
      affiliate = await trx
        .updateTable("affiliates")
        .set({ status, updated_at: sql<Date>`now()` })
        .where("id", "=", affiliate.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
  }
  if (found.created) affiliate = await recordNewJoiner(trx, campaign, affiliate, person);
  const { enrollment } = await findOrCreateEnrollment(trx, {
    brandId: campaign.brand_id,
    campaignId: campaign.id,
    affiliateId: affiliate.id,
  });
  if (found.created && affiliate.status === "pending") {
    await queueNotification(trx, { kind: "application_received", affiliateId: affiliate.id });
    await queueNotification(trx, { kind: "affiliate_pending", affiliateId: affiliate.id });
  }
  return { kind: "joined", affiliate, enrollment };
}

export type JoinResult =
  | {
      ok: true;
      outcome: "joined";
      userId: string;
      affiliate: Affiliate;
      enrollment: Enrollment;
      campaign: Campaign;
    }
  /** Generic answer: "check your inbox" (an existing account, or a brand invitation). */
  | { ok: true; outcome: "check_email" }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "invalid"; fieldErrors: FieldErrors };

/**
 * Anonymous join: a new account + affiliate + enrollment in one transaction, with the
 * verification email. `verified` is for trusted callers only (the demo seed).
 */
export async function joinCampaign(
  db: DB,
  config: AppUrl,
  input: {
    slug: string;
    name: unknown;
    email: unknown;
    password: unknown;
    parentRecruitCode?: unknown;
    clientIp?: string;
    verified?: boolean;
  },
): Promise<JoinResult> {
  const campaign = await getCampaignBySlug(db, input.slug);
  if (!campaign) return { ok: false, reason: "not_found" };
  const parsed = joinInputSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, reason: "invalid", fieldErrors: fieldErrorsOf(parsed.error) };
  const { name, email, password } = parsed.data;
  // Hashed whether or not the account exists: the same work, the same timing.
  const passwordHash = await hashPassword(password);
  const { brand_name: _brandName, ...campaignRow } = campaign;
  return inTransaction(db, async (trx): Promise<JoinResult> => {
    const created = await trx
      .insertInto("users")
      .values({
        email,
        name,
        password_hash: passwordHash,
        email_verified_at: input.verified ? new Date() : null,
      })
      .onConflict((oc) => oc.column("email").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!created) {
      await tellAlreadyRegistered(trx, config, {
        email,
        what: `join ${campaign.brand_name}'s affiliate program`,
        signInPath: `/login?redirectTo=${encodeURIComponent(`/join/${input.slug}`)}`,
      });
      return { ok: true, outcome: "check_email" };
    }
    if (!input.verified)
      await sendVerificationEmail(trx, config, { userId: created.id, email, name });
    const enrolled = await enroll(trx, config, campaign, {
      userId: created.id,
      email,
      name,
      parentRecruitCode: input.parentRecruitCode,
      clientIp: input.clientIp,
    });
    if (enrolled.kind !== "joined") return { ok: true, outcome: "check_email" };
    return {
      ok: true,
      outcome: "joined",
      userId: created.id,
      affiliate: enrolled.affiliate,
      enrollment: enrolled.enrollment,
      campaign: campaignRow,
    };
  });
}

export type JoinAsUserResult =
  { ok: true; kind: Enrolled["kind"] } | { ok: false; reason: "not_found" };

/** The signed-in (non-brand) user joins the campaign. */
export async function joinCampaignAsUser(
  db: DB,
  config: AppUrl,
  input: {
    slug: string;
    user: { id: string; email: string; name: string };
    parentRecruitCode?: unknown;
    clientIp?: string;
  },
): Promise<JoinAsUserResult> {
  const campaign = await getCampaignBySlug(db, input.slug);
  if (!campaign) return { ok: false, reason: "not_found" };
  return inTransaction(db, async (trx) => {
    const enrolled = await enroll(trx, config, campaign, {
      userId: input.user.id,
      email: input.user.email,
      name: input.user.name,
      parentRecruitCode: input.parentRecruitCode,
      clientIp: input.clientIp,
    });
    return { ok: true, kind: enrolled.kind } as const;
  });
}
