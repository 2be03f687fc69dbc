import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { getUser, notFound } from "~/auth/guards.server";
import { CheckInbox } from "~/components/CheckInbox";
import { CsrfInput } from "~/components/CsrfInput";
import { PasswordField } from "~/components/PasswordField";
import { Field, FormError, useFocusFirstInvalid } from "~/components/Field";
import type { AppContext } from "~/context.server";
import { describeCommission } from "~/domain/campaign";
import type { FieldErrors } from "~/domain/forms";
import { canRecruitFor, RECRUIT_PARAM } from "~/domain/recruiting";
import { joinCampaign, joinCampaignAsUser } from "~/services/affiliates/join.server";
import { getCampaignBySlug } from "~/services/campaigns/campaigns.server";
import { findRecruiter } from "~/services/affiliates/recruiting.server";

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
  const url = new URL(request.url);
  return {
    signInTo: `/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`,
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
  /** After an anonymous submission: "check your inbox" (the same answer for every address). */
  sentTo?: string;
  /** A signed-in person's join that needs the emailed invitation instead. */
  notice?: string;
}

const JOIN_AS_USER_MESSAGES = {
  invited:
    "This brand has already invited your email address. We sent you the invitation again: open the link in it to accept.",
  taken:
    "This brand already has an affiliate with your email address under another account. Contact the brand.",
} as const;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const values = { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? "") };
  const { user, isBrandUser } = await signedInBrandUser(request, context);
  if (user && !isBrandUser) {
    // "Sign in to join": the signed-in person joins; no password is involved here.
    const joined = await joinCampaignAsUser(context.db, context.config, {
      slug: params.slug ?? "",
      user,
      parentRecruitCode: form.get(RECRUIT_PARAM),
      clientIp: context.clientIp,
    });
    if (!joined.ok) throw notFound("This join link does not exist.");
    if (joined.kind === "joined") throw redirect("/a");
    return data<JoinActionData>(
      { formError: null, fieldErrors: {}, values, notice: JOIN_AS_USER_MESSAGES[joined.kind] },
      { status: 409 },
    );
  }
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
  const result = await joinCampaign(context.db, context.config, {
    slug: params.slug ?? "",
    name: form.get("name"),
    email: form.get("email"),
    password: form.get("password"),
    parentRecruitCode: form.get(RECRUIT_PARAM),
    clientIp: context.clientIp,
  });
  if (!result.ok && result.reason === "not_found") throw notFound("This join link does not exist.");
  if (!result.ok) {
    return data<JoinActionData>(
      { formError: null, fieldErrors: result.fieldErrors, values },
      { status: 400 },
    );
  }
  // No session here, whatever the outcome: the emailed link (verification or "sign in to join")
  // is the only way on, so /join never logs anyone in and never tells who has an account.
  return data<JoinActionData>({
    formError: null,
    fieldErrors: {},
    values,
    sentTo: values.email.trim().toLowerCase(),
  });
}

export default function Join() {
  const { campaign, signedIn, recruiter, signInTo } = useLoaderData<typeof loader>();
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
        ) : actionData?.sentTo ? (
          <CheckInbox email={actionData.sentTo}>
            <p>The link confirms your address and opens your affiliate portal.</p>
          </CheckInbox>
        ) : signedIn ? (
          <>
            <FormError>{actionData?.notice}</FormError>
            <Form method="post" noValidate>
              <CsrfInput />
              {recruiter ? (
                <input type="hidden" name={RECRUIT_PARAM} value={recruiter.code} />
              ) : null}
              <p>
                You are signed in as <strong>{signedIn.email}</strong>.
              </p>
              <button type="submit" className="primary" disabled={submitting}>
                {submitting ? "Joining…" : `Join ${campaign.name}`}
              </button>
            </Form>
          </>
        ) : (
          <>
            <p className="muted small">
              {campaign.autoApprove
                ? "You get your referral link as soon as you confirm your email."
                : `${campaign.brandName} reviews each application; your referral link starts counting clicks once you are approved.`}
            </p>
            <div className="alert info" role="note">
              Already have a Rekomi account? <Link to={signInTo}>Sign in to join</Link>
            </div>
            <h2>New to Rekomi? Create your account</h2>
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
                defaultValue={actionData?.values.name}
                error={errors.name}
              />
              <Field
                label="Email"
                name="email"
                type="email"
                autoComplete="email"
                required
                defaultValue={actionData?.values.email}
                error={errors.email}
              />
              <PasswordField kind="new" label="Password" name="password" error={errors.password} />
              <button type="submit" className="primary" disabled={submitting}>
                {submitting ? "Joining…" : `Join ${campaign.name}`}
              </button>
            </Form>
          </>
        )}
      </div>
    </main>
  );
}
