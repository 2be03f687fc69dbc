import { data } from "@remix-run/node";
import type { AppContext } from "~/context.server";
import type { User } from "~/db/schema";
import { formFields } from "~/domain/forms";
import { changePassword, requestEmailChange } from "~/services/passwords.server";
import { requireCsrfForm } from "./csrf.server";
import { getSession } from "./session.server";

export interface AccountActionData {
  intent: "password" | "email";
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string | undefined>;
}

/**
 * The Settings -> Account action, shared by the brand (`/app/settings/account`) and affiliate
 * (`/a/account`) routes: change password (ends every other session) or email (verified again).
 */
export async function accountSettingsAction(request: Request, context: AppContext, user: User) {
  const form = formFields(await requireCsrfForm(request));
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
