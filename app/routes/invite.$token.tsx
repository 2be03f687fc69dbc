import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser } from "~/auth/guards.server";
import { startUserSession } from "~/auth/session.server";
import { AuthCard } from "~/components/AuthCard";
import { CsrfInput } from "~/components/CsrfInput";
import { PasswordField } from "~/components/PasswordField";
import { Field, FormError } from "~/components/Field";
import { formFields, type FieldErrors } from "~/domain/forms";
import {
  acceptInvitation,
  acceptInvitationWithNewAccount,
  viewInvitation,
} from "~/services/accounts/invitations.server";

export const meta: MetaFunction = () => [{ title: "Your invitation · Rekomi" }];

/**
 * An emailed invitation (affiliate of a brand, or brand team member). Only the invited address
 * can accept: signed in with it, or by creating the account for it here.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const invitation = await viewInvitation(context.db, params.token);
  const user = await getUser(request, context);
  const url = new URL(request.url);
  return {
    invitation,
    signedIn: user ? { email: user.email } : null,
    signInTo: `/login?redirectTo=${encodeURIComponent(url.pathname)}`,
  };
}

interface InviteActionData {
  formError?: string;
  fieldErrors?: FieldErrors;
  name?: string;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = formFields(await requireCsrfForm(request));
  const user = await getUser(request, context);
  const result = user
    ? await acceptInvitation(context.db, params.token, user)
    : await acceptInvitationWithNewAccount(context.db, params.token, form);
  if (result.ok) {
    return user
      ? redirect(result.home)
      : startUserSession(request, context, result.userId, result.home);
  }
  if (result.reason === "fields")
    return data<InviteActionData>(
      { fieldErrors: result.fieldErrors, name: form.name ?? "" },
      { status: 400 },
    );
  return data<InviteActionData>({ formError: result.message }, { status: 400 });
}

export default function Invite() {
  const { invitation, signedIn, signInTo } = useLoaderData<typeof loader>();
  const actionData = useActionData<InviteActionData>();
  const submitting = useNavigation().state === "submitting";
  if (!invitation) {
    return (
      <AuthCard title="Invitation not valid">
        <FormError>
          This invitation link was already used or has expired. Ask the brand to send a new one.
        </FormError>
      </AuthCard>
    );
  }
  const what =
    invitation.kind === "team"
      ? `the ${invitation.brandName} team on Rekomi as ${invitation.role === "owner" ? "an owner" : "a member"}`
      : `${invitation.brandName}'s affiliate program`;
  const errors = actionData?.fieldErrors ?? {};
  return (
    <AuthCard title={`Join ${invitation.brandName}`}>
      <p>
        <strong>{invitation.email}</strong> is invited to {what}.
      </p>
      <FormError>{actionData?.formError}</FormError>
      {signedIn ? (
        signedIn.email === invitation.email ? (
          <Form method="post">
            <CsrfInput />
            <button type="submit" className="primary" disabled={submitting}>
              Accept the invitation
            </button>
          </Form>
        ) : (
          <div className="alert info" role="note">
            You are signed in as {signedIn.email}. This invitation is for {invitation.email}: log
            out, then open the link again.
          </div>
        )
      ) : invitation.account === "verified" ? (
        <p>
          This address already has a Rekomi account. <Link to={signInTo}>Sign in to accept</Link>
        </p>
      ) : (
        <>
          <p className="muted">
            Create your account to accept.{" "}
            {invitation.account === "unverified"
              ? "An unconfirmed account with this address exists: this sets its name and password and signs out its other sessions."
              : null}
          </p>
          <Form method="post" noValidate>
            <CsrfInput />
            <Field
              label="Your name"
              name="name"
              autoComplete="name"
              required
              maxLength={100}
              defaultValue={actionData?.name}
              error={errors.name}
            />
            <PasswordField kind="new" label="Password" name="password" error={errors.password} />
            <button type="submit" className="primary" disabled={submitting}>
              {submitting ? "Creating your account…" : "Create account and accept"}
            </button>
          </Form>
          <p className="muted small">
            Already have an account with this address? <Link to={signInTo}>Sign in</Link>
          </p>
        </>
      )}
    </AuthCard>
  );
}
