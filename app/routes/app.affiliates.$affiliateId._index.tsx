import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CodeStatsTable } from "~/components/CodeStatsTable";
import { CopyField } from "~/components/CopyField";
import { EmptyState } from "~/components/EmptyState";
import { describeCommission, referralUrl } from "~/domain/campaign";
import {
  getAffiliate,
  listAffiliateEnrollments,
} from "~/services/affiliates/affiliate-reads.server";
import { affiliateCodeStats } from "~/services/conversions/affiliate-conversion-stats.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const enrollments = await listAffiliateEnrollments(context.db, brand.id, affiliate.id);
  const codeStats = await affiliateCodeStats(context.db, brand.id, affiliate.id);
  return {
    affiliateId: affiliate.id,
    codeStats,
    enrollments: enrollments.map((e) => ({
      id: e.id,
      campaignId: e.campaign_id,
      campaignName: e.campaign_name,
      commission: describeCommission(e),
      referralUrl: referralUrl(context.config.appUrl, e.link_code),
      enrolledAt: e.created_at.toISOString().slice(0, 10),
    })),
  };
}

export default function AffiliateOverview() {
  const { enrollments, codeStats, affiliateId } = useLoaderData<typeof loader>();
  return (
    <>
      <section aria-labelledby="enrollments-heading">
        <h2 id="enrollments-heading" style={{ marginTop: 0 }}>
          Campaigns
        </h2>
        {enrollments.length === 0 ? (
          <EmptyState title="Not enrolled in any campaign" headingLevel={3}>
            <p>This affiliate has no referral links. They get one for each campaign they join.</p>
          </EmptyState>
        ) : (
          <ul className="enrollment-list">
            {enrollments.map((e) => (
              <li key={e.id} className="card">
                <h3 style={{ marginTop: 0 }}>
                  <Link to={`/app/campaigns/${e.campaignId}`}>{e.campaignName}</Link>
                </h3>
                <p className="muted small">
                  {e.commission} · enrolled <time dateTime={e.enrolledAt}>{e.enrolledAt}</time>
                </p>
                <CopyField label={`Referral link for ${e.campaignName}`} value={e.referralUrl} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="code-stats-heading">
        <h2 id="code-stats-heading">Results per code</h2>
        {codeStats.length === 0 ? (
          <p className="muted">
            No affiliate codes yet. <Link to="coupons">Give this affiliate a code</Link> to track
            the sales it brings.
          </p>
        ) : (
          <CodeStatsTable codes={codeStats} />
        )}
        <p className="small">
          <Link to={`/app/conversions?affiliate=${affiliateId}`}>
            All conversions of this affiliate →
          </Link>
        </p>
      </section>
    </>
  );
}
