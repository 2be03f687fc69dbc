import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser, notFound } from "~/auth/guards.server";
import { startUserSession } from "~/auth/session.server";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, FormError, useFocusFirstInvalid } from "~/components/Field";
import type { AppContext } from "~/context.server";
import { describeCommission } from "~/domain/campaign";
import type { FieldErrors } from "~/domain/forms";
import { canRecruitFor, RECRUIT_PARAM } from "~/domain/recruiting";
import { PASSWORD_MIN } from "~/domain/accounts";
import { joinCampaign } from "~/services/affiliates.server";
import { getCampaignBySlug } from "~/services/campaigns.server";
import { findRecruiter } from "~/services/recruiting.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Join ${data.campaign.name} · ${data.campaign.brandName}` : "Join · Rekomi" },
];

/** The signed-in person, if they are a member of some brand (brand accounts cannot join as affiliates here). */
async function signedInBrandUser(request: Request, context: AppContext) {
  const user = await getUser(request, context);
  if (!user) return { user: null, isBrandUser: false };
  const member = await context.db
    .selectFrom("brand_members")
    .select("brand_id")
    .where("user_id", "=", user.id)
    .executeTakeFirst();
  return { user, isBrandUser: Boolean(member) };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const campaign = await getCampaignBySlug(context.db, params.slug ?? "");
  if (!campaign)
    throw notFound("This join link does not exist. Check the link with the brand that sent it.");
  const { user, isBrandUser } = await signedInBrandUser(request, context);
  // A recruiting link (`?via=`): carried through the form when it names an active recruiter.
  const recruiter = await findRecruiter(
    context.db,
    campaign.brand_id,
    new URL(request.url).searchParams.get(RECRUIT_PARAM),
  );
  return {
    recruiter: canRecruitFor(recruiter, campaign.brand_id)
      ? { name: recruiter.name, code: recruiter.recruitCode }
      : null,
    campaign: {
      name: campaign.name,
      brandName: campaign.brand_name,
      commission: describeCommission(campaign),
      autoApprove: campaign.auto_approve,
    },
    signedIn: user ? { email: user.email, name: user.name, isBrandUser } : null,
  };
}

interface JoinActionData {
  formError: string | null;
  fieldErrors: FieldErrors;
  values: { name: string; email: string };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const values = { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? "") };
  const { isBrandUser } = await signedInBrandUser(request, context);
  if (isBrandUser) {
    return data<JoinActionData>(
      {
        formError: "You are signed in to a brand account. Log out first to join as an affiliate.",
        fieldErrors: {},
        values,
      },
      { status: 400 },
    );
  }
  const result = await joinCampaign(context.db, {
    slug: params.slug ?? "",
    name: form.get("name"),
    email: form.get("email"),
    password: form.get("password"),
    parentRecruitCode: form.get(RECRUIT_PARAM),
  });
  if (!result.ok && result.reason === "not_found") throw notFound("This join link does not exist.");
  if (!result.ok) {
    return data<JoinActionData>(
      { formError: null, fieldErrors: result.fieldErrors, values },
      { status: 400 },
    );
  }
  return startUserSession(request, context, result.userId, "/a");
}

export default function Join() {
  const { campaign, signedIn, recruiter } = useLoaderData<typeof loader>();
  const actionData = useActionData<JoinActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, actionData);
  const errors = actionData?.fieldErrors ?? {};
  const submitting = navigation.state === "submitting";
  return (
    <main className="centered">
      <div className="card narrow">
        <p className="muted small" style={{ margin: 0 }}>
          {campaign.brandName} affiliate program
        </p>
        <h1>Join {campaign.name}</h1>
        <p>
          Earn <strong>{campaign.commission}</strong> on customers you refer to {campaign.brandName}
          .
        </p>
        {signedIn?.isBrandUser ? (
          <div className="alert info" role="note">
            You are signed in as {signedIn.email}, a brand account. Affiliates join with their own
            account: share this page with them, or log out first to join yourself.
            <div style={{ marginTop: "0.5rem" }}>
              <Link to="/app">Back to your dashboard</Link>
            </div>
          </div>
        ) : (
          <>
            <p className="muted small">
              {campaign.autoApprove
                ? "You get your referral link right after signing up."
                : `${campaign.brandName} reviews each application; your referral link works once you are approved.`}
            </p>
            <FormError>{actionData?.formError}</FormError>
            {Object.keys(errors).length > 0 ? (
              <FormError>Please fix the highlighted fields.</FormError>
            ) : null}
            {recruiter ? <p className="muted small">Invited by {recruiter.name}.</p> : null}
            <Form method="post" ref={formRef} noValidate>
              <CsrfInput />
              {recruiter ? (
                <input type="hidden" name={RECRUIT_PARAM} value={recruiter.code} />
              ) : null}
              <Field
                label="Your name"
                name="name"
                autoComplete="name"
                required
                maxLength={100}
                defaultValue={actionData?.values.name ?? signedIn?.name}
                error={errors.name}
              />
              <Field
                label="Email"
                name="email"
                type="email"
                autoComplete="email"
                required
                defaultValue={actionData?.values.email ?? signedIn?.email}
                error={errors.email}
              />
              <Field
                label="Password"
                name="password"
                type="password"
                autoComplete={signedIn ? "current-password" : "new-password"}
                required
                minLength={PASSWORD_MIN}
                hint={`At least ${PASSWORD_MIN} characters. Already have a Rekomi account? Use its email and password.`}
                error={errors.password}
              />
              <button type="submit" className="primary" disabled={submitting}>
                {submitting ? "Joining…" : `Join ${campaign.name}`}
              </button>
            </Form>
            <p className="muted small">
              Already an affiliate? <Link to="/login">Log in</Link>
            </p>
          </>
        )}
      </div>
    </main>
  );
}
