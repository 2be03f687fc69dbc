import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireBrandUser } from "~/auth/guards.server";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { Field, FormError } from "~/components/Field";
import { SelectField } from "~/components/SelectField";
import { formFields, type FieldErrors } from "~/domain/forms";
import { createAffiliate } from "~/services/affiliates/affiliates.server";
import { listCampaigns } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction = () => [{ title: "Invite an affiliate · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const campaigns = await listCampaigns(context.db, brand.id);
  return { campaigns: campaigns.map((c) => ({ id: c.id, name: c.name })) };
}

interface InviteActionData {
  fieldErrors: FieldErrors;
  formError?: string;
  values: Record<string, string>;
}

/**
 * A brand adds an affiliate by email: the row (with its links and codes, earning at once) and an
 * emailed invitation; only that address can claim it through the link.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = formFields(await requireCsrfForm(request));
  const { brand } = await requireBrandUser(request, context);
  const result = await createAffiliate(context.db, context.config, brand.id, {
    email: form.email ?? "",
    name: form.name ?? "",
    campaignId: form.campaignId ?? "",
  });
  if (result.ok) throw redirect(`/app/affiliates/${result.affiliate.id}?invited=1`);
  // Echo only what the person typed (never ids: another brand's campaign id stays unknown).
  const values = { name: form.name ?? "", email: form.email ?? "" };
  return data<InviteActionData>(
    result.reason === "conflict"
      ? { fieldErrors: { email: result.message }, values }
      : { fieldErrors: result.fieldErrors, values },
    { status: result.reason === "conflict" ? 409 : 400 },
  );
}

export default function InviteAffiliate() {
  const { campaigns } = useLoaderData<typeof loader>();
  const actionData = useActionData<InviteActionData>();
  const submitting = useNavigation().state === "submitting";
  const errors = actionData?.fieldErrors ?? {};
  const values = actionData?.values ?? {};
  return (
    <>
      <div className="page-header">
        <h1>Invite an affiliate</h1>
      </div>
      {campaigns.length === 0 ? (
        <EmptyState
          title="Create a campaign first"
          action={
            <Link className="button primary" to="/app/campaigns/new">
              Create campaign
            </Link>
          }
        >
          Invited affiliates are enrolled in one of your campaigns.
        </EmptyState>
      ) : (
        <section className="card" style={{ maxWidth: 560 }}>
          <p className="muted">
            We email them an invitation link. Their referral link works at once; they see it, their
            codes and earnings after accepting with this email address.
          </p>
          <FormError>{actionData?.formError}</FormError>
          <Form method="post" noValidate>
            <CsrfInput />
            <Field
              label="Name"
              name="name"
              required
              maxLength={100}
              defaultValue={values.name}
              error={errors.name}
            />
            <Field
              label="Email"
              name="email"
              type="email"
              autoComplete="off"
              required
              defaultValue={values.email}
              error={errors.email}
            />
            <SelectField
              label="Campaign"
              name="campaignId"
              options={campaigns.map((c) => ({ value: c.id, label: c.name }))}
              error={errors.campaignId}
            />
            <button type="submit" className="primary" disabled={submitting}>
              {submitting ? "Sending…" : "Send invitation"}
            </button>
          </Form>
        </section>
      )}
    </>
  );
}
