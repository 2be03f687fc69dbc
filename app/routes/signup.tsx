import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser, homeFor } from "~/auth/guards.server";
import { CheckInbox } from "~/components/CheckInbox";
import { CsrfInput } from "~/components/CsrfInput";
import { NewPasswordFields } from "~/components/PasswordField";
import { Field, FormError, useFocusFirstInvalid } from "~/components/Field";
import { TRIAL_DAYS } from "~/domain/accounts";
import { signupBrand } from "~/services/accounts/accounts.server";

export const meta: MetaFunction = () => [{ title: "Start your trial · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getUser(request, context);
  if (user) throw redirect(await homeFor(user.id, context));
  return null;
}

type SignupField = "brandName" | "name" | "email" | "password" | "confirmPassword";
interface SignupActionData {
  fieldErrors: Partial<Record<SignupField, string>>;
  values: { brandName: string; name: string; email: string };
  /** Set after a valid submission: "check your inbox" (the same answer for taken emails). */
  sentTo?: string;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const values = {
    brandName: String(form.get("brandName") ?? ""),
    name: String(form.get("name") ?? ""),
    email: String(form.get("email") ?? ""),
    password: String(form.get("password") ?? ""),
    confirmPassword: String(form.get("confirmPassword") ?? ""),
  };
  const result = await signupBrand(context.db, context.config, values);
  if (!result.ok) {
    const body: SignupActionData = {
      fieldErrors: result.fieldErrors,
      values: { brandName: values.brandName, name: values.name, email: values.email },
    };
    return data(body, { status: 400 });
  }
  const body: SignupActionData = {
    fieldErrors: {},
    values: { brandName: values.brandName, name: values.name, email: result.email },
    sentTo: result.email,
  };
  return body;
}

export default function Signup() {
  const actionData = useActionData<SignupActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, actionData);
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values;
  const submitting = navigation.state === "submitting";
  if (actionData?.sentTo) {
    return (
      <main className="centered">
        <div className="card narrow">
          <h1>Confirm your email</h1>
          <CheckInbox email={actionData.sentTo}>
            <p>The link confirms your address and opens your brand&apos;s dashboard.</p>
          </CheckInbox>
        </div>
      </main>
    );
  }
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>Start your {TRIAL_DAYS}-day trial</h1>
        <p className="muted">Create your brand&apos;s Rekomi account. No card needed.</p>
        {Object.keys(errors).length > 0 ? (
          <FormError>Please fix the highlighted fields.</FormError>
        ) : null}
        <Form method="post" ref={formRef} noValidate>
          <CsrfInput />
          <Field
            label="Brand name"
            name="brandName"
            autoComplete="organization"
            required
            maxLength={100}
            defaultValue={values?.brandName}
            error={errors.brandName}
          />
          <Field
            label="Your name"
            name="name"
            autoComplete="name"
            required
            maxLength={100}
            defaultValue={values?.name}
            error={errors.name}
          />
          <Field
            label="Work email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={values?.email}
            error={errors.email}
          />
          <NewPasswordFields label="Password" confirmLabel="Confirm password" errors={errors} />
          <button type="submit" className="primary" disabled={submitting}>
            {submitting ? "Creating your account…" : "Create account"}
          </button>
        </Form>
        <p className="muted small">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </div>
    </main>
  );
}
