import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser, homeFor } from "~/auth/guards.server";
import { startUserSession } from "~/auth/session.server";
import { AuthCard } from "~/components/AuthCard";
import { CsrfInput } from "~/components/CsrfInput";
import { FormError } from "~/components/Field";
import { findUsableToken } from "~/services/accounts/account-tokens.server";
import { verifyEmailToken } from "~/services/accounts/email-verification.server";

export const meta: MetaFunction = () => [{ title: "Confirm your email · Rekomi" }];

/**
 * The emailed verification link. Opening it (GET) changes nothing, so mail scanners that fetch
 * links cannot use it up; the button (POST) confirms, and signs the person in.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const row = await findUsableToken(context.db, ["verify_email", "change_email"], params.token);
  return {
    valid: row !== undefined,
    email: row?.email ?? null,
    change: row?.purpose === "change_email",
  };
}

const MESSAGES = {
  invalid: "This link was already used or has expired. Sign in and ask for a new one.",
  email_taken:
    "This email address already belongs to another Rekomi account, so it was not changed.",
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  await requireCsrfForm(request);
  const result = await verifyEmailToken(context.db, params.token);
  if (!result.ok) return data({ error: MESSAGES[result.reason] }, { status: 400 });
  const current = await getUser(request, context);
  const home = await homeFor(result.userId, context);
  if (current?.id === result.userId) throw redirect(home);
  return startUserSession(request, context, result.userId, home);
}

export default function VerifyEmail() {
  const { valid, email, change } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const error = actionData && "error" in actionData ? actionData.error : null;
  if (!valid || error) {
    return (
      <AuthCard title="Link not valid">
        <FormError>{error ?? MESSAGES.invalid}</FormError>
        <p>
          <Link to="/login">Log in</Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={change ? "Confirm your new email" : "Confirm your email"}>
      <p>
        Confirm that <strong>{email}</strong> is your email address.
      </p>
      <Form method="post">
        <CsrfInput />
        <button type="submit" className="primary">
          {change ? "Use this email address" : "Confirm my email"}
        </button>
      </Form>
    </AuthCard>
  );
}
