import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, useActionData } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireBrandUser } from "~/auth/guards.server";
import { CampaignForm } from "~/components/CampaignForm";
import { NEW_CAMPAIGN_VALUES, parseCampaignForm, type CampaignFormValues } from "~/domain/campaign";
import { type FieldErrors, formFields } from "~/domain/forms";
import { createCampaign } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction = () => [{ title: "New campaign · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireBrandUser(request, context);
  return null;
}

export interface CampaignFormActionData {
  fieldErrors: FieldErrors;
  values: CampaignFormValues;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const parsed = parseCampaignForm(formFields(form));
  if (!parsed.ok) {
    const body: CampaignFormActionData = { fieldErrors: parsed.fieldErrors, values: parsed.values };
    return data(body, { status: 400 });
  }
  const campaign = await createCampaign(context.db, brand.id, parsed.input);
  return redirect(`/app/campaigns/${campaign.id}?created=1`);
}

export default function NewCampaign() {
  const actionData = useActionData<CampaignFormActionData>();
  return (
    <>
      <div className="page-header">
        <div>
          <p className="small">
            <Link to="/app/campaigns">← Campaigns</Link>
          </p>
          <h1>New campaign</h1>
        </div>
      </div>
      <CampaignForm
        values={actionData?.values ?? NEW_CAMPAIGN_VALUES}
        errors={actionData?.fieldErrors ?? {}}
        submitLabel="Create campaign"
        submittingLabel="Creating…"
        errorTrigger={actionData}
      />
    </>
  );
}
