import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, Outlet, useLoaderData } from "@remix-run/react";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { ErrorPanel } from "~/components/ErrorPanel";
import { type Tab, TabNav } from "~/components/TabNav";
import { describeCommission } from "~/domain/campaign";
import { getCampaign } from "~/services/campaigns/campaigns.server";

/** The campaign page's tabs: Settings (index) and Coupons. */
export const CAMPAIGN_TABS: readonly Tab[] = [
  { to: ".", label: "Settings", end: true },
  { to: "coupons", label: "Coupons" },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.campaign.name ?? "Campaign"} · Rekomi` },
];

/** Campaign layout: header (name, commission, affiliate count) and the tabs. */
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
    },
  };
}

export default function CampaignLayout() {
  const { campaign } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <div>
          <p className="small">
            <Link to="/app/campaigns">← Campaigns</Link>
          </p>
          <h1>{campaign.name}</h1>
          <p className="muted">
            {campaign.commission} · {campaign.affiliateCount} affiliate
            {campaign.affiliateCount === 1 ? "" : "s"}
          </p>
        </div>
      </div>
      <TabNav tabs={CAMPAIGN_TABS} label="Campaign sections" />
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return <ErrorPanel what="Campaign" backTo="/app/campaigns" backLabel="Back to campaigns" />;
}
