import { data } from "@remix-run/node";
import type { AppContext } from "~/context.server";
import type { User } from "~/db/schema";
import { formFields } from "~/domain/forms";
import { kindsFor, type Audience } from "~/domain/notifications";
import { listPreferences, setPreference } from "~/services/notifications/notifications.server";
import { changePassword, requestEmailChange } from "~/services/accounts/passwords.server";
import { requireCsrfForm } from "./csrf.server";
import { getSession } from "./session.server";

export interface AccountActionData {
  intent: "password" | "email" | "notifications";
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string | undefined>;
}

/**
 * The Settings -> Account action, shared by the brand (`/app/settings/account`) and affiliate
 * (`/a/account`) routes: change password (ends every other session) or email (verified again).
 */
export async function accountSettingsAction(
  request: Request,
  context: AppContext,
  user: User,
  audience: Audience,
) {
  const form = formFields(await requireCsrfForm(request));
  if (form.intent === "notifications") {
    for (const kind of kindsFor(audience))
      await setPreference(context.db, { userId: user.id, kind, enabled: form[kind] === "on" });
    return data<AccountActionData>({
      intent: "notifications",
      ok: true,
      message: "Notification settings saved.",
    });
  }
  const intent = form.intent === "email" ? "email" : "password";
  const session = await getSession(request, context);
  const result =
    intent === "password"
      ? await changePassword(context.db, {
          user,
          sessionId: session.id,
          ip: context.clientIp,
          values: form,
        })
      : await requestEmailChange(context.db, context.config, {
          user,
          ip: context.clientIp,
          values: form,
        });
  if (result.ok) return data<AccountActionData>({ intent, ok: true, message: result.message });
  const headers: HeadersInit = result.retryAfterSeconds
    ? { "Retry-After": String(result.retryAfterSeconds) }
    : {};
  return data<AccountActionData>(
    { intent, ok: false, fieldErrors: result.fieldErrors },
    { status: result.retryAfterSeconds ? 429 : 400, headers },
  );
}

/** The Settings -> Account loader data (shared by both portals). */
export async function accountSettingsData(context: AppContext, user: User, audience: Audience) {
  return {
    email: user.email,
    verified: user.email_verified_at !== null,
    preferences: await listPreferences(context.db, user.id, audience),
  };
}
