import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CampaignForm } from "~/components/CampaignForm";
import { CopyField } from "~/components/CopyField";
import {
  campaignFormValues,
  describeCommission,
  joinUrl,
  parseCampaignForm,
} from "~/domain/campaign";
import { formFields } from "~/domain/forms";
import { getCampaign, updateCampaign } from "~/services/campaigns/campaigns.server";
import type { CampaignFormActionData } from "./app.campaigns.new";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.campaign.name ?? "Campaign"} · Settings · Rekomi` },
];

/** The campaign's Settings tab: join link, the edit form and the danger zone. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const campaign = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!campaign) throw notFound("Campaign not found");
  return {
    campaign: {
      id: campaign.id,
      name: campaign.name,
      commission: describeCommission(campaign),
      affiliateCount: campaign.affiliate_count,
      joinUrl: joinUrl(context.config.appUrl, campaign.slug),
    },
    values: campaignFormValues(campaign),
  };
}

type EditActionData = CampaignFormActionData | { saved: true };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const existing = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!existing) throw notFound("Campaign not found");
  const parsed = parseCampaignForm(formFields(form));
  if (!parsed.ok) {
    const body: CampaignFormActionData = { fieldErrors: parsed.fieldErrors, values: parsed.values };
    return data(body, { status: 400 });
  }
  const updated = await updateCampaign(context.db, brand.id, existing.id, parsed.input);
  if (!updated) throw notFound("Campaign not found");
  return { saved: true as const };
}

export default function CampaignSettings() {
  const { campaign, values } = useLoaderData<typeof loader>();
  const actionData = useActionData<EditActionData>();
  const [params] = useSearchParams();
  const failed = actionData && "fieldErrors" in actionData ? actionData : undefined;
  return (
    <>
      {params.get("created") && !actionData ? (
        <div className="alert success" role="status">
          Campaign created. Share the join link below with people who want to promote you.
        </div>
      ) : null}
      {actionData && "saved" in actionData ? (
        <div className="alert success" role="status">
          Changes saved.
        </div>
      ) : null}
      <section className="card stack" aria-labelledby="join-link-heading">
        <h2 id="join-link-heading" style={{ marginTop: 0 }}>
          Join link
        </h2>
        <CopyField
          label="Join link"
          hideLabel
          value={campaign.joinUrl}
          hint="Affiliates sign up here. The link stays the same if you rename the campaign."
        />
      </section>
      <h2>Settings</h2>
      <CampaignForm
        key={campaign.id}
        values={failed?.values ?? values}
        errors={failed?.fieldErrors ?? {}}
        submitLabel="Save changes"
        submittingLabel="Saving…"
        errorTrigger={failed}
      />
      <section className="card danger-zone" aria-labelledby="danger-heading">
        <h2 id="danger-heading" style={{ marginTop: 0 }}>
          Delete campaign
        </h2>
        <p className="muted">
          Deleting removes the campaign, its join link and its affiliates&apos; referral links for
          it.
        </p>
        <Link className="button danger" to={`/app/campaigns/${campaign.id}/delete`}>
          Delete campaign…
        </Link>
      </section>
    </>
  );
}
