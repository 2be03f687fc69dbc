import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { homeFor } from "~/auth/guards.server";
import { startUserSession } from "~/auth/session.server";
import { AuthCard } from "~/components/AuthCard";
import { CsrfInput } from "~/components/CsrfInput";
import { NewPasswordFields } from "~/components/PasswordField";
import { FormError } from "~/components/Field";
import { formFields } from "~/domain/forms";
import { resetPasswordWithToken, resetTokenValid } from "~/services/accounts/passwords.server";

export const meta: MetaFunction = () => [{ title: "Choose a new password · Rekomi" }];

const INVALID_MESSAGE = "This reset link was already used or has expired.";

export async function loader({ params, context }: LoaderFunctionArgs) {
  return { valid: await resetTokenValid(context.db, params.token) };
}

type ResetData =
  | { invalid: true; error: string }
  | { fieldErrors: { password?: string; confirmPassword?: string } };

/** A new password from the emailed link: every session of the account ends; this one starts fresh. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = formFields(await requireCsrfForm(request));
  const result = await resetPasswordWithToken(context.db, params.token, form);
  if (result.ok)
    return startUserSession(request, context, result.userId, await homeFor(result.userId, context));
  if (result.reason === "invalid")
    return data<ResetData>({ invalid: true, error: INVALID_MESSAGE }, { status: 400 });
  return data<ResetData>({ fieldErrors: result.fieldErrors }, { status: 400 });
}

export default function ResetPassword() {
  const { valid } = useLoaderData<typeof loader>();
  const actionData = useActionData<ResetData>();
  const submitting = useNavigation().state === "submitting";
  if (!valid || (actionData && "invalid" in actionData)) {
    return (
      <AuthCard title="Link not valid">
        <FormError>{INVALID_MESSAGE}</FormError>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }
  const errors = actionData && "fieldErrors" in actionData ? actionData.fieldErrors : {};
  return (
    <AuthCard title="Choose a new password">
      <p className="muted">This signs you out everywhere else.</p>
      <Form method="post" noValidate>
        <CsrfInput />
        <NewPasswordFields
          label="New password"
          confirmLabel="Confirm new password"
          errors={errors}
        />
        <button type="submit" className="primary" disabled={submitting}>
          {submitting ? "Saving…" : "Set new password"}
        </button>
      </Form>
    </AuthCard>
  );
}
