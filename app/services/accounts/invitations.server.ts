/**
 * Invitations: a brand-created affiliate and a team invitation are emailed links. Only someone
 * who opens the link can claim them, with an account whose email is the invited one: opening the
 * link proves that inbox, so it also verifies the address. Before the claim an affiliate row has
 * no user (it can already earn); claiming only gives portal access.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import { hashPassword } from "~/auth/password.server";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { AccountToken, Affiliate, Database } from "~/db/schema";
import { fieldErrorsOf, type FieldErrors } from "~/domain/forms";
import { affiliateInvitation } from "~/mail/account-emails";
import { claimSchema } from "~/domain/invitations";
import { consumeToken, findUsableToken, issueToken } from "./account-tokens.server";
import { inTransaction, inTransactionOr, Rollback } from "~/db/tx.server";
import { queueEmail } from "../notifications/outbox.server";

type AppUrl = Pick<Config, "appUrl">;
type Trx = Transaction<Database>;

export async function sendAffiliateInvitation(
  db: Kysely<Database>,
  config: AppUrl,
  input: { affiliate: Affiliate; campaignName: string },
): Promise<void> {
  const { affiliate } = input;
  const brand = await db
    .selectFrom("brands")
    .select("name")
    .where("id", "=", affiliate.brand_id)
    .executeTakeFirstOrThrow();
  const link = await issueToken(db, config.appUrl, {
    purpose: "affiliate_invite",
    email: affiliate.email,
    brandId: affiliate.brand_id,
    affiliateId: affiliate.id,
  });
  await db
    .updateTable("affiliates")
    .set({ invited_at: new Date() })
    .where("id", "=", affiliate.id)
    .execute();
  await queueEmail(db, {
    kind: "affiliate_invite",
    to: affiliate.email,
    brandId: affiliate.brand_id,
    ...affiliateInvitation({
      brandName: brand.name,
      campaignName: input.campaignName,
      url: link.url,
    }),
  });
}

/** Email the invitation again, while the affiliate is still unclaimed. */
export async function resendAffiliateInvitation(
  db: DB,
  config: AppUrl,
  brandId: string,
  affiliateId: string,
): Promise<"sent" | "claimed" | "not_found"> {
  return inTransaction(db, async (trx) => {
    const affiliate = await trx
      .selectFrom("affiliates")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("id", "=", affiliateId)
      .forUpdate()
      .executeTakeFirst();
    if (!affiliate) return "not_found";
    if (affiliate.user_id) return "claimed";
    const campaign = await trx
      .selectFrom("enrollments")
      .innerJoin("campaigns", "campaigns.id", "enrollments.campaign_id")
      .select("campaigns.name")
      .where("enrollments.affiliate_id", "=", affiliate.id)
      .orderBy("enrollments.created_at")
      .executeTakeFirst();
    await sendAffiliateInvitation(trx, config, {
      affiliate,
      campaignName: campaign?.name ?? "its affiliate program",
    });
    return "sent";
  });
}

export interface InvitationView {
  kind: "affiliate" | "team";
  email: string;
  brandName: string;
  role: "owner" | "member" | null;
  /** Whether the invited address has an account, and whether it is verified. */
  account: "none" | "unverified" | "verified";
}

export async function viewInvitation(db: DB, token: unknown): Promise<InvitationView | null> {
  const row = await findUsableToken(db, ["affiliate_invite", "team_invite"], token);
  if (!row || !row.brand_id) return null;
  const [brand, user] = await Promise.all([
    db.selectFrom("brands").select("name").where("id", "=", row.brand_id).executeTakeFirst(),
    db
      .selectFrom("users")
      .select("email_verified_at")
      .where("email", "=", row.email)
      .executeTakeFirst(),
  ]);
  if (!brand) return null;
  return {
    kind: row.purpose === "team_invite" ? "team" : "affiliate",
    email: row.email,
    brandName: brand.name,
    role: row.role,
    account: !user ? "none" : user.email_verified_at ? "verified" : "unverified",
  };
}

export type ClaimResult =
  | { ok: true; userId: string; home: "/a" | "/app" }
  | { ok: false; reason: "invalid" | "wrong_account" | "already_claimed"; message: string }
  | { ok: false; reason: "fields"; fieldErrors: FieldErrors };

const INVALID = {
  ok: false,
  reason: "invalid",
  message: "This invitation link is not valid any more. Ask the brand to send a new one.",
} as const;

/** Attach what the token invites to (affiliate row or team membership) to the user. */
async function claim(trx: Trx, row: AccountToken, userId: string): Promise<ClaimResult> {
  if (!(await consumeToken(trx, row.id))) return INVALID;
  // Opening the link proved the inbox: the address counts as verified.
  await trx
    .updateTable("users")
    .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())` })
    .where("id", "=", userId)
    .execute();
  if (row.purpose === "team_invite") {
    await trx
      .insertInto("brand_members")
      .values({ brand_id: row.brand_id!, user_id: userId, role: row.role ?? "member" })
      .onConflict((oc) => oc.columns(["brand_id", "user_id"]).doNothing())
      .execute();
    return { ok: true, userId, home: "/app" };
  }
  const claimed = await trx
    .updateTable("affiliates")
    .set({ user_id: userId, updated_at: sql<Date>`now()` })
    .where("id", "=", row.affiliate_id!)
    .where("user_id", "is", null)
    .where("email", "=", row.email)
    .returning("id")
    .executeTakeFirst();
  if (!claimed)
    return {
      ok: false,
      reason: "already_claimed",
      message: "This invitation was already accepted.",
    };
  return { ok: true, userId, home: "/a" };
}

/** The signed-in user accepts: their email must be the invited one. */
export async function acceptInvitation(
  db: DB,
  token: unknown,
  user: { id: string; email: string },
): Promise<ClaimResult> {
  return inTransactionOr<ClaimResult, ClaimResult>(db, async (trx): Promise<ClaimResult> => {
    const row = await findUsableToken(trx, ["affiliate_invite", "team_invite"], token);
    if (!row) return INVALID;
    if (row.email !== user.email)
      return {
        ok: false,
        reason: "wrong_account",
        message: `This invitation is for ${row.email}. You are signed in as ${user.email}: log out, then open the link again.`,
      };
    const result = await claim(trx, row, user.id);
    if (!result.ok) throw new Rollback(result);
    return result;
  });
}

/**
 * Accept by creating the account for the invited address. An existing account that was never
 * verified is taken over by the inbox owner (new password, every old session ended); a verified
 * one must sign in instead.
 */
export async function acceptInvitationWithNewAccount(
  db: DB,
  token: unknown,
  values: Record<string, unknown>,
): Promise<ClaimResult> {
  const parsed = claimSchema.safeParse(values);
  if (!parsed.success)
    return { ok: false, reason: "fields", fieldErrors: fieldErrorsOf(parsed.error) };
  const passwordHash = await hashPassword(parsed.data.password);
  return inTransactionOr<ClaimResult, ClaimResult>(db, async (trx): Promise<ClaimResult> => {
    const row = await findUsableToken(trx, ["affiliate_invite", "team_invite"], token);
    if (!row) return INVALID;
    const existing = await trx
      .selectFrom("users")
      .select(["id", "email_verified_at"])
      .where("email", "=", row.email)
      .forUpdate()
      .executeTakeFirst();
    if (existing?.email_verified_at)
      return {
        ok: false,
        reason: "wrong_account",
        message: `${row.email} already has a Rekomi account. Sign in to accept.`,
      } as const;
    let userId: string;
    if (existing) {
      await trx
        .updateTable("users")
        .set({ name: parsed.data.name, password_hash: passwordHash })
        .where("id", "=", existing.id)
        .execute();
      await trx.deleteFrom("sessions").where("user_id", "=", existing.id).execute();
      userId = existing.id;
    } else {
      const created = await trx
        .insertInto("users")
        .values({ email: row.email, name: parsed.data.name, password_hash: passwordHash })
        .returning("id")
        .executeTakeFirstOrThrow();
      userId = created.id;
    }
    const result = await claim(trx, row, userId);
    if (!result.ok) throw new Rollback(result);
    return result;
  });
}
