import { Form, useActionData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import type { AccountActionData } from "~/auth/account-settings.server";
import { NOTIFICATION_KINDS, type NotificationKind } from "~/domain/notifications";
import { CsrfInput } from "./CsrfInput";
import { Field } from "./Field";
import { NewPasswordFields, PasswordField } from "./PasswordField";
import { SettingsCard } from "./SettingsCard";

type Intent = AccountActionData["intent"];

/** One form of the page: its intent, and a submit button that says when it is busy. */
function IntentForm({
  intent,
  label,
  busyLabel,
  done,
  children,
}: {
  intent: Intent;
  /** After a successful save the inputs start empty again. */
  done: boolean;
  label: string;
  busyLabel: string;
  children: ReactNode;
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === intent;
  return (
    <Form method="post" noValidate style={{ maxWidth: 480 }} key={done ? "done" : "form"}>
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </Form>
  );
}

/** Settings -> Account: password, email (each needs the current password), notification emails. */
export function AccountSettings({
  email,
  verified,
  preferences,
}: {
  email: string;
  verified: boolean;
  preferences: { kind: NotificationKind; enabled: boolean }[];
}) {
  const actionData = useActionData<AccountActionData>();
  const result = (intent: Intent) => (actionData?.intent === intent ? actionData : undefined);
  const saved = (intent: Intent) => (result(intent)?.ok ? result(intent)?.message : null);
  const errors = (intent: Intent) => result(intent)?.fieldErrors ?? {};
  const pw = errors("password");
  const em = errors("email");
  return (
    <div className="stack">
      <SettingsCard title="Password" saved={saved("password")}>
        <IntentForm
          intent="password"
          label="Change password"
          busyLabel="Saving…"
          done={Boolean(saved("password"))}
        >
          <PasswordField
            kind="current"
            name="currentPassword"
            label="Current password"
            error={pw.currentPassword}
          />
          <NewPasswordFields
            name="newPassword"
            label="New password"
            confirmLabel="Confirm new password"
            hint="At least 10 characters, hard to guess. Signs out your other sessions."
            errors={pw}
          />
        </IntentForm>
      </SettingsCard>
      <SettingsCard title="Email address" saved={saved("email")}>
        <p>
          You sign in with <strong>{email}</strong>
          {verified ? " (confirmed)." : " (not confirmed yet)."}
        </p>
        <IntentForm
          intent="email"
          label="Change email"
          busyLabel="Sending…"
          done={Boolean(saved("email"))}
        >
          <Field
            label="New email address"
            name="newEmail"
            type="email"
            autoComplete="email"
            required
            hint="We email a link to the new address; it is used once you open it."
            error={em.newEmail}
          />
          <PasswordField
            kind="current"
            name="currentPassword"
            label="Current password"
            error={em.currentPassword}
          />
        </IntentForm>
      </SettingsCard>
      <SettingsCard title="Email notifications" saved={saved("notifications")}>
        <IntentForm
          intent="notifications"
          label="Save notification settings"
          busyLabel="Saving…"
          done={false}
        >
          <fieldset style={{ border: "none", padding: 0, margin: "0 0 1rem" }}>
            <legend className="sr-only">Email me when</legend>
            {preferences.map((p) => (
              <div className="field" key={p.kind}>
                <label>
                  <input type="checkbox" name={p.kind} defaultChecked={p.enabled} />{" "}
                  {NOTIFICATION_KINDS[p.kind].label}
                </label>
              </div>
            ))}
          </fieldset>
        </IntentForm>
      </SettingsCard>
    </div>
  );
}
