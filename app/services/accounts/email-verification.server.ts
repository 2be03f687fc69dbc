/**
 * Proving an email address: the verification link sent at signup / join (24 h, single use,
 * stored hashed), resending it, and confirming a changed address. Every email is written to the
 * outbox inside the caller's transaction.
 */
import type { Kysely } from "kysely";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import { alreadyRegistered, verifyEmail } from "~/mail/account-emails";
import { consumeToken, findUsableToken, issueToken, retireTokens } from "./account-tokens.server";
import { inTransaction } from "~/db/tx.server";
import { queueEmail } from "../notifications/outbox.server";

type AppUrl = Pick<Config, "appUrl">;

export async function sendVerificationEmail(
  db: Kysely<Database>,
  config: AppUrl,
  user: { userId: string; email: string; name: string },
): Promise<void> {
  await retireTokens(db, user.userId, "verify_email");
  const link = await issueToken(db, config.appUrl, {
    purpose: "verify_email",
    email: user.email,
    userId: user.userId,
  });
  await queueEmail(db, {
    kind: "verify_email",
    to: user.email,
    userId: user.userId,
    ...verifyEmail({ name: user.name, url: link.url }),
  });
}

/** At most one "already registered" email per address in this window (no mail-bombing). */
const ALREADY_REGISTERED_GAP_MS = 10 * 60_000;

/** Someone used an address that already has an account: tell its owner, change nothing. */
export async function tellAlreadyRegistered(
  db: Kysely<Database>,
  config: AppUrl,
  input: { email: string; what: string; signInPath?: string },
): Promise<void> {
  const recent = await db
    .selectFrom("email_outbox")
    .select("id")
    .where("to_email", "=", input.email)
    .where("kind", "=", "already_registered")
    .where("created_at", ">", new Date(Date.now() - ALREADY_REGISTERED_GAP_MS))
    .executeTakeFirst();
  if (recent) return;
  const path = input.signInPath ?? "/login";
  await queueEmail(db, {
    kind: "already_registered",
    to: input.email,
    ...alreadyRegistered({
      what: input.what,
      signInUrl: `${config.appUrl}${path}`,
      resetUrl: `${config.appUrl}/forgot-password`,
    }),
  });
}

/** The signed-in user asks for a new link (from the banner). Already verified -> nothing. */
export async function resendVerification(
  db: DB,
  config: AppUrl,
  userId: string,
): Promise<"sent" | "already_verified"> {
  return inTransaction(db, async (trx) => {
    const user = await trx
      .selectFrom("users")
      .select(["id", "email", "name", "email_verified_at"])
      .where("id", "=", userId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (user.email_verified_at) return "already_verified";
    await sendVerificationEmail(trx, config, { userId, email: user.email, name: user.name });
    return "sent";
  });
}

export type VerifyResult =
  | { ok: true; userId: string; changedEmail: boolean }
  | { ok: false; reason: "invalid" | "email_taken" };

/**
 * Open a verification link: marks the address verified (or, for an email change, switches the
 * account to the new, now verified, address). Single use; expired or used links are "invalid".
 */
export async function verifyEmailToken(db: DB, token: unknown): Promise<VerifyResult> {
  return inTransaction(db, async (trx): Promise<VerifyResult> => {
    const row = await findUsableToken(trx, ["verify_email", "change_email"], token);
    if (!row || !row.user_id || !(await consumeToken(trx, row.id)))
      return { ok: false, reason: "invalid" };
    const now = new Date();
    if (row.purpose === "verify_email") {
      // Only if the account still has the address the link was sent to.
      const updated = await trx
        .updateTable("users")
        .set({ email_verified_at: now })
        .where("id", "=", row.user_id)
        .where("email", "=", row.email)
        .returning("id")
        .executeTakeFirst();
      return updated
        ? { ok: true, userId: row.user_id, changedEmail: false }
        : { ok: false, reason: "invalid" };
    }
    const taken = await trx
      .selectFrom("users")
      .select("id")
      .where("email", "=", row.email)
      .executeTakeFirst();
    if (taken) return { ok: false, reason: "email_taken" };
    await trx
      .updateTable("users")
      .set({ email: row.email, email_verified_at: now })
      .where("id", "=", row.user_id)
      .execute();
    return { ok: true, userId: row.user_id, changedEmail: true };
  });
}
