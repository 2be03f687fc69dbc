/**
 * Password reset (emailed link, 1 h, single use) and, from Settings -> Account, password and email
 * changes. Reset and change both end every other session of the user. The current password is
 * checked through the one login throttle.
 */
import { z } from "zod";
import { hashPassword } from "~/auth/password.server";
import { endOtherSessions } from "~/auth/session.server";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { emailSchema, LOGIN_FAILED_MESSAGE } from "~/domain/accounts";
import { fieldErrorsOf, type FieldErrors } from "~/domain/forms";
import { newPasswordSchema } from "~/domain/passwords";
import { confirmNewEmail, resetPassword as resetPasswordEmail } from "~/mail/account-emails";
import { consumeToken, findUsableToken, issueToken, retireTokens } from "./account-tokens.server";
import { inTransaction } from "~/db/tx.server";
import { checkPassword } from "./login-throttle.server";
import { queueEmail } from "../notifications/outbox.server";

type AppUrl = Pick<Config, "appUrl">;

/** At most one reset email per account per this many ms (no mail-bombing through the form). */
const RESET_EMAIL_GAP_MS = 60_000;

export type ForgotResult = { ok: true; email: string } | { ok: false; fieldErrors: FieldErrors };

/** "Forgot password": emails a reset link when the account exists. Same answer either way. */
export async function requestPasswordReset(
  db: DB,
  config: AppUrl,
  values: Record<string, unknown>,
): Promise<ForgotResult> {
  const parsed = z.object({ email: emailSchema }).safeParse(values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const { email } = parsed.data;
  await inTransaction(db, async (trx) => {
    const user = await trx
      .selectFrom("users")
      .select("id")
      .where("email", "=", email)
      .forUpdate()
      .executeTakeFirst();
    if (!user) return;
    const recent = await trx
      .selectFrom("account_tokens")
      .select("id")
      .where("user_id", "=", user.id)
      .where("purpose", "=", "reset_password")
      .where("created_at", ">", new Date(Date.now() - RESET_EMAIL_GAP_MS))
      .executeTakeFirst();
    if (recent) return;
    await retireTokens(trx, user.id, "reset_password");
    const link = await issueToken(trx, config.appUrl, {
      purpose: "reset_password",
      email,
      userId: user.id,
    });
    await queueEmail(trx, {
      kind: "reset_password",
      to: email,
      userId: user.id,
      ...resetPasswordEmail({ url: link.url }),
    });
  });
  return { ok: true, email };
}

const newPasswordForm = z
  .object({ password: newPasswordSchema, confirmPassword: z.string().optional() })
  .superRefine((v, ctx) => {
    if (v.confirmPassword !== undefined && v.password !== v.confirmPassword)
      ctx.addIssue({
        code: "custom",
        path: ["confirmPassword"],
        message: "The passwords do not match.",
      });
  });

export type ResetResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "fields"; fieldErrors: FieldErrors };

/** Whether a reset link is still usable (for the page). */
export async function resetTokenValid(db: DB, token: unknown): Promise<boolean> {
  return (await findUsableToken(db, ["reset_password"], token)) !== undefined;
}

/**
 * Set a new password from a reset link: single use; ends every session of the user (the caller
 * starts a fresh one); the link proved the inbox, so the address counts as verified.
 */
export async function resetPasswordWithToken(
  db: DB,
  token: unknown,
  values: Record<string, unknown>,
): Promise<ResetResult> {
  const parsed = newPasswordForm.safeParse(values);
  if (!parsed.success)
    return { ok: false, reason: "fields", fieldErrors: fieldErrorsOf(parsed.error) };
  const passwordHash = await hashPassword(parsed.data.password);
  return inTransaction(db, async (trx): Promise<ResetResult> => {
    const row = await findUsableToken(trx, ["reset_password"], token);
    if (!row || !row.user_id || !(await consumeToken(trx, row.id)))
      return { ok: false, reason: "invalid" };
    const user = await trx
      .updateTable("users")
      .set((eb) => ({
        password_hash: passwordHash,
        email_verified_at: eb.fn.coalesce("email_verified_at", eb.val(new Date())),
      }))
      .where("id", "=", row.user_id)
      .where("email", "=", row.email)
      .returning("id")
      .executeTakeFirst();
    if (!user) return { ok: false, reason: "invalid" };
    await endOtherSessions(trx, user.id);
    return { ok: true, userId: user.id };
  });
}

export type AccountChangeResult =
  | { ok: true; message: string }
  | { ok: false; fieldErrors: FieldErrors; retryAfterSeconds?: number };

async function checkCurrentPassword(
  db: DB,
  user: { email: string },
  password: unknown,
  ip: string,
): Promise<AccountChangeResult | null> {
  if (typeof password !== "string" || password.length === 0)
    return { ok: false, fieldErrors: { currentPassword: "Enter your current password." } };
  const check = await checkPassword(db, { email: user.email, password, ip });
  if (check.ok) return null;
  if (check.reason === "throttled")
    return {
      ok: false,
      fieldErrors: { currentPassword: "Too many failed attempts. Try again later." },
      retryAfterSeconds: check.retryAfterSeconds,
    };
  return {
    ok: false,
    fieldErrors: {
      currentPassword: LOGIN_FAILED_MESSAGE.replace("Email or password", "The password"),
    },
  };
}

/** Settings -> Account: a new password. Ends every other session of the user. */
export async function changePassword(
  db: DB,
  input: {
    user: { id: string; email: string };
    sessionId: string;
    ip: string;
    values: Record<string, unknown>;
  },
): Promise<AccountChangeResult> {
  const parsed = newPasswordForm.safeParse({
    password: input.values.newPassword,
    confirmPassword: input.values.confirmPassword,
  });
  if (!parsed.success) {
    const e = fieldErrorsOf(parsed.error);
    return {
      ok: false,
      fieldErrors: { newPassword: e.password, confirmPassword: e.confirmPassword },
    };
  }
  const wrong = await checkCurrentPassword(db, input.user, input.values.currentPassword, input.ip);
  if (wrong) return wrong;
  const passwordHash = await hashPassword(parsed.data.password);
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("id", "=", input.user.id)
      .execute();
    await endOtherSessions(trx, input.user.id, input.sessionId);
  });
  return {
    ok: true,
    message: "Password changed. Every other session of your account was signed out.",
  };
}

/** Settings -> Account: a new email address, used only once its emailed link is opened. */
export async function requestEmailChange(
  db: DB,
  config: AppUrl,
  input: { user: { id: string; email: string }; ip: string; values: Record<string, unknown> },
): Promise<AccountChangeResult> {
  const parsed = z.object({ newEmail: emailSchema }).safeParse(input.values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const { newEmail } = parsed.data;
  if (newEmail === input.user.email)
    return { ok: false, fieldErrors: { newEmail: "This is already your email address." } };
  const wrong = await checkCurrentPassword(db, input.user, input.values.currentPassword, input.ip);
  if (wrong) return wrong;
  await inTransaction(db, async (trx) => {
    await retireTokens(trx, input.user.id, "change_email");
    const link = await issueToken(trx, config.appUrl, {
      purpose: "change_email",
      email: newEmail,
      userId: input.user.id,
    });
    await queueEmail(trx, {
      kind: "change_email",
      to: newEmail,
      userId: input.user.id,
      ...confirmNewEmail({ url: link.url, email: newEmail }),
    });
  });
  // The same answer whether or not the new address already has an account.
  return {
    ok: true,
    message: `We sent a link to ${newEmail}. Your email changes when you open it; until then you keep signing in with ${input.user.email}.`,
  };
}
