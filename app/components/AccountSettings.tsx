import { Form, useActionData, useNavigation } from "@remix-run/react";
import type { AccountActionData } from "~/auth/account-settings.server";
import { NOTIFICATION_KINDS, type NotificationKind } from "~/domain/notifications";
import { CsrfInput } from "./CsrfInput";
import { Field } from "./Field";

/** Settings -> Account: change password, change email (each needs the current password). */
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
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const forIntent = (intent: AccountActionData["intent"]) =>
    actionData?.intent === intent ? actionData : undefined;
  const pw = forIntent("password");
  const em = forIntent("email");
  const nt = forIntent("notifications");
  return (
    <div className="stack">
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading" style={{ marginTop: 0 }}>
          Password
        </h2>
        {pw?.ok ? (
          <div className="alert success" role="status">
            {pw.message}
          </div>
        ) : null}
        <Form method="post" noValidate style={{ maxWidth: 480 }} key={pw?.ok ? "done" : "form"}>
          <CsrfInput />
          <input type="hidden" name="intent" value="password" />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={pw?.fieldErrors?.currentPassword}
          />
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 10 characters, hard to guess. Signs out your other sessions."
            error={pw?.fieldErrors?.newPassword}
          />
          <Field
            label="Confirm new password"
            name="confirmPassword"
            type="password"
            autoComplete="new-password"
            required
            error={pw?.fieldErrors?.confirmPassword}
          />
          <button type="submit" className="primary" disabled={busy === "password"}>
            {busy === "password" ? "Saving…" : "Change password"}
          </button>
        </Form>
      </section>
      <section className="card" aria-labelledby="email-heading">
        <h2 id="email-heading" style={{ marginTop: 0 }}>
          Email address
        </h2>
        <p>
          You sign in with <strong>{email}</strong>
          {verified ? " (confirmed)." : " (not confirmed yet)."}
        </p>
        {em?.ok ? (
          <div className="alert success" role="status">
            {em.message}
          </div>
        ) : null}
        <Form method="post" noValidate style={{ maxWidth: 480 }} key={em?.ok ? "done" : "form"}>
          <CsrfInput />
          <input type="hidden" name="intent" value="email" />
          <Field
            label="New email address"
            name="newEmail"
            type="email"
            autoComplete="email"
            required
            hint="We email a link to the new address; it is used once you open it."
            error={em?.fieldErrors?.newEmail}
          />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={em?.fieldErrors?.currentPassword}
          />
          <button type="submit" className="primary" disabled={busy === "email"}>
            {busy === "email" ? "Sending…" : "Change email"}
          </button>
        </Form>
      </section>
      <section className="card" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading" style={{ marginTop: 0 }}>
          Email notifications
        </h2>
        {nt?.ok ? (
          <div className="alert success" role="status">
            {nt.message}
          </div>
        ) : null}
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="notifications" />
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
          <button type="submit" disabled={busy === "notifications"}>
            {busy === "notifications" ? "Saving…" : "Save notification settings"}
          </button>
        </Form>
      </section>
    </div>
  );
}
