import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";
import { CopyField } from "~/components/CopyField";
import { EmptyState } from "~/components/EmptyState";
import { describeCommission, joinUrl } from "~/domain/campaign";
import { listCampaigns } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction = () => [{ title: "Campaigns · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const campaigns = await listCampaigns(context.db, brand.id);
  return {
    campaigns: campaigns.map((c) => ({
      id: c.id,
      name: c.name,
      commission: describeCommission(c),
      autoApprove: c.auto_approve,
      affiliateCount: c.affiliate_count,
      joinUrl: joinUrl(context.config.appUrl, c.slug),
    })),
  };
}

export default function Campaigns() {
  const { campaigns } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <>
      <div className="page-header">
        <h1>Campaigns</h1>
        {campaigns.length > 0 ? (
          <Link className="button primary" to="/app/campaigns/new">
            Create campaign
          </Link>
        ) : null}
      </div>
      {params.get("deleted") ? (
        <div className="alert success" role="status">
          The campaign was deleted.
        </div>
      ) : null}
      {campaigns.length === 0 ? (
        <EmptyState
          title="Create your first campaign"
          action={
            <Link className="button primary" to="/app/campaigns/new">
              Create campaign
            </Link>
          }
        >
          <p>
            A campaign is the deal you offer affiliates: what they earn on each payment a referred
            customer makes (a percentage or a flat amount), for how many months, and where their
            links send visitors. Each campaign gets a join link you share with people who want to
            promote you.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Your campaigns</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Commission</th>
                <th scope="col" className="num">
                  Affiliates
                </th>
                <th scope="col">Join link</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/app/campaigns/${c.id}`}>{c.name}</Link>
                    {c.autoApprove ? (
                      <div className="muted small">Auto-approves sign-ups</div>
                    ) : null}
                  </td>
                  <td>{c.commission}</td>
                  <td className="num">{c.affiliateCount}</td>
                  <td className="join-cell">
                    <CopyField label={`Join link for ${c.name}`} value={c.joinUrl} hideLabel />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
