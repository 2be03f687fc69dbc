import { data, type ActionFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { AuthCard } from "~/components/AuthCard";
import { CheckInbox } from "~/components/CheckInbox";
import { CsrfInput } from "~/components/CsrfInput";
import { Field } from "~/components/Field";
import { formFields } from "~/domain/forms";
import { requestPasswordReset } from "~/services/accounts/passwords.server";

export const meta: MetaFunction = () => [{ title: "Reset your password · Rekomi" }];

type ForgotData = { sentTo: string } | { fieldErrors: { email?: string }; email: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = formFields(await requireCsrfForm(request));
  const result = await requestPasswordReset(context.db, context.config, form);
  if (!result.ok)
    return data<ForgotData>(
      { fieldErrors: result.fieldErrors, email: form.email ?? "" },
      { status: 400 },
    );
  return data<ForgotData>({ sentTo: result.email });
}

export default function ForgotPassword() {
  const actionData = useActionData<ForgotData>();
  const submitting = useNavigation().state === "submitting";
  if (actionData && "sentTo" in actionData) {
    return (
      <AuthCard title="Reset your password">
        <CheckInbox email={actionData.sentTo}>
          <p>
            If an account uses this address, the email has a link to choose a new password. It works
            once, for 1 hour.
          </p>
        </CheckInbox>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Reset your password">
      <p className="muted">
        Enter your account&apos;s email address and we&apos;ll email you a link to choose a new
        password.
      </p>
      <Form method="post" noValidate>
        <CsrfInput />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={actionData?.email}
          error={actionData?.fieldErrors.email}
        />
        <button type="submit" className="primary" disabled={submitting}>
          {submitting ? "Sending…" : "Email me a link"}
        </button>
      </Form>
      <p className="muted small">
        Remembered it? <Link to="/login">Log in</Link>
      </p>
    </AuthCard>
  );
}
