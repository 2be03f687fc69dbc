/**
 * Brand team (Settings -> Team): owners invite people by email as `owner` or `member` (an emailed
 * link; only that address can accept) and remove them. A brand always keeps at least one owner.
 */
import { sql } from "kysely";
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { emailSchema } from "~/domain/accounts";
import { fieldErrorsOf, type FieldErrors } from "~/domain/forms";
import { isUuid } from "~/domain/ids";
import { teamInvitation } from "~/mail/account-emails";
import { issueToken } from "./account-tokens.server";
import { inTransaction } from "~/db/tx.server";
import { queueEmail } from "../notifications/outbox.server";

export interface TeamMember {
  userId: string;
  name: string;
  email: string;
  role: "owner" | "member";
  joinedAt: Date;
}

export interface PendingInvite {
  id: string;
  email: string;
  role: "owner" | "member";
  createdAt: Date;
  expiresAt: Date;
}

export async function listTeam(
  db: DB,
  brandId: string,
): Promise<{ members: TeamMember[]; invites: PendingInvite[] }> {
  const [members, invites] = await Promise.all([
    db
      .selectFrom("brand_members")
      .innerJoin("users", "users.id", "brand_members.user_id")
      .select([
        "users.id as userId",
        "users.name",
        "users.email",
        "brand_members.role",
        "brand_members.created_at as joinedAt",
      ])
      .where("brand_members.brand_id", "=", brandId)
      .orderBy("brand_members.created_at")
      .execute(),
    db
      .selectFrom("account_tokens")
      .select(["id", "email", "role", "created_at as createdAt", "expires_at as expiresAt"])
      .where("brand_id", "=", brandId)
      .where("purpose", "=", "team_invite")
      .where("used_at", "is", null)
      .where("expires_at", ">", new Date())
      .orderBy("created_at", "desc")
      .execute(),
  ]);
  return { members, invites: invites.map((i) => ({ ...i, role: i.role ?? "member" })) };
}

const inviteSchema = z.object({
  email: emailSchema,
  role: z.enum(["owner", "member"], { message: "Choose owner or member." }),
});

export type TeamResult = { ok: true; message: string } | { ok: false; fieldErrors: FieldErrors };

export async function inviteTeamMember(
  db: DB,
  config: Pick<Config, "appUrl">,
  input: {
    brandId: string;
    inviter: { id: string; name: string };
    values: Record<string, unknown>;
  },
): Promise<TeamResult> {
  const parsed = inviteSchema.safeParse(input.values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const { email, role } = parsed.data;
  return inTransaction(db, async (trx): Promise<TeamResult> => {
    const brand = await trx
      .selectFrom("brands")
      .select("name")
      .where("id", "=", input.brandId)
      .executeTakeFirstOrThrow();
    const member = await trx
      .selectFrom("brand_members")
      .innerJoin("users", "users.id", "brand_members.user_id")
      .select("users.id")
      .where("brand_members.brand_id", "=", input.brandId)
      .where("users.email", "=", email)
      .executeTakeFirst();
    if (member) return { ok: false, fieldErrors: { email: `${email} is already on the team.` } };
    const link = await issueToken(trx, config.appUrl, {
      purpose: "team_invite",
      email,
      brandId: input.brandId,
      role,
      invitedBy: input.inviter.id,
    });
    await queueEmail(trx, {
      kind: "team_invite",
      to: email,
      brandId: input.brandId,
      ...teamInvitation({
        brandName: brand.name,
        inviterName: input.inviter.name,
        role,
        url: link.url,
      }),
    });
    return { ok: true, message: `Invitation sent to ${email}.` };
  });
}

export type RemoveResult = { ok: true } | { ok: false; message: string };

/** Remove a member; the last owner cannot be removed (owners are locked while counting). */
export async function removeTeamMember(
  db: DB,
  input: { brandId: string; userId: string },
): Promise<RemoveResult> {
  if (!isUuid(input.userId)) return { ok: false, message: "That person is not on the team." };
  return inTransaction(db, async (trx): Promise<RemoveResult> => {
    const members = await trx
      .selectFrom("brand_members")
      .select(["user_id", "role"])
      .where("brand_id", "=", input.brandId)
      .forUpdate()
      .execute();
    const target = members.find((m) => m.user_id === input.userId);
    if (!target) return { ok: false, message: "That person is not on the team." };
    const owners = members.filter((m) => m.role === "owner").length;
    if (target.role === "owner" && owners <= 1)
      return {
        ok: false,
        message: "A brand always keeps at least one owner. Invite another owner first.",
      };
    await trx
      .deleteFrom("brand_members")
      .where("brand_id", "=", input.brandId)
      .where("user_id", "=", input.userId)
      .execute();
    return { ok: true };
  });
}

export async function revokeTeamInvite(
  db: DB,
  input: { brandId: string; id: string },
): Promise<boolean> {
  if (!isUuid(input.id)) return false;
  const row = await db
    .updateTable("account_tokens")
    .set({ used_at: sql<Date>`now()` })
    .where("id", "=", input.id)
    .where("brand_id", "=", input.brandId)
    .where("purpose", "=", "team_invite")
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}
