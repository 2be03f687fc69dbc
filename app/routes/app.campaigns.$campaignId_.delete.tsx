import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CsrfInput } from "~/components/CsrfInput";
import { ErrorPanel } from "~/components/ErrorPanel";
import { deleteCampaign, getCampaign } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction = () => [{ title: "Delete campaign · Rekomi" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const campaign = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!campaign) throw notFound("Campaign not found");
  return {
    campaign: { id: campaign.id, name: campaign.name, affiliateCount: campaign.affiliate_count },
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const deleted = await deleteCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!deleted) throw notFound("Campaign not found");
  return redirect("/app/campaigns?deleted=1");
}

export default function DeleteCampaign() {
  const { campaign } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const n = campaign.affiliateCount;
  return (
    <div className="card" style={{ maxWidth: 560 }}>
      <h1>Delete “{campaign.name}”?</h1>
      <p>
        This permanently deletes the campaign and its join link.
        {n > 0
          ? ` ${n} affiliate${n === 1 ? " is" : "s are"} enrolled; their referral links for this campaign stop working. The affiliates themselves stay in your list.`
          : " No affiliates are enrolled yet."}
      </p>
      <Form method="post" className="row">
        <CsrfInput />
        <button type="submit" className="danger" disabled={navigation.state === "submitting"}>
          Delete campaign
        </button>
        <Link className="button" to={`/app/campaigns/${campaign.id}`}>
          Cancel
        </Link>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <ErrorPanel what="Campaign" backTo="/app/campaigns" backLabel="Back to campaigns" />;
}
