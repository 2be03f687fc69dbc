import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { LoginError, PASSWORD_STRATEGY, createAuthenticator } from "~/auth/authenticator.server";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser, homeFor } from "~/auth/guards.server";
import { safeRedirect, startUserSession } from "~/auth/session.server";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, FormError, useFocusFirstInvalid } from "~/components/Field";
import { keepActionHeaders } from "~/http/action-headers";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "Log in · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getUser(request, context);
  if (user) throw redirect(await homeFor(user.id, context));
  return null;
}

interface LoginActionData {
  formError: string;
  fieldErrors: { email?: string; password?: string };
  email: string;
}

export async function action({ request, context }: ActionFunctionArgs) {
  // The strategy reads the body itself, so the CSRF check reads a clone.
  const form = await requireCsrfForm(request.clone());
  try {
    const user = await createAuthenticator(context).authenticate(PASSWORD_STRATEGY, request);
    const to = safeRedirect(form.get("redirectTo"), await homeFor(user.id, context));
    return await startUserSession(request, context, user.id, to);
  } catch (error) {
    if (error instanceof LoginError) {
      const body: LoginActionData = {
        formError: error.message,
        fieldErrors: error.fieldErrors,
        email: error.email,
      };
      const headers: HeadersInit = error.retryAfterSeconds
        ? { "Retry-After": String(error.retryAfterSeconds) }
        : {};
      return data(body, { status: error.status, headers });
    }
    throw error;
  }
}

export default function Login() {
  const actionData = useActionData<LoginActionData>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, actionData);
  // After a rejected attempt, clear the password and put the cursor back in it.
  useEffect(() => {
    if (!actionData || Object.keys(actionData.fieldErrors).length > 0) return;
    const password = formRef.current?.elements.namedItem("password");
    if (password instanceof HTMLInputElement) {
      password.value = "";
      password.focus();
    }
  }, [actionData]);
  const errors = actionData?.fieldErrors ?? {};
  const submitting = navigation.state === "submitting";
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>Log in to Rekomi</h1>
        <FormError>{actionData?.formError}</FormError>
        <Form method="post" ref={formRef} noValidate>
          <CsrfInput />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={actionData?.email}
            error={errors.email}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            error={errors.password}
          />
          <button type="submit" className="primary" disabled={submitting}>
            {submitting ? "Logging in…" : "Log in"}
          </button>
        </Form>
        <p className="small">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
        <p className="muted small">
          New brand? <Link to="/signup">Start a free trial</Link>. Affiliates join through their
          brand&apos;s link.
        </p>
      </div>
    </main>
  );
}
