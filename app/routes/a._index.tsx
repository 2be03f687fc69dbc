import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAffiliateUser } from "~/auth/guards.server";
import { CopyField } from "~/components/CopyField";
import { EmptyState } from "~/components/EmptyState";
import { StatusBadge } from "~/components/StatusBadge";
import { describeCommission, referralUrl } from "~/domain/campaign";
import { formatPercent } from "~/domain/money";
import { recruitingUrl } from "~/domain/recruiting";
import { listEnrollmentsForUser } from "~/services/affiliates/affiliate-reads.server";

export const meta: MetaFunction = () => [{ title: "My campaigns · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireAffiliateUser(request, context);
  const enrollments = await listEnrollmentsForUser(context.db, user.id);
  return {
    name: user.name,
    enrollments: enrollments.map((e) => ({
      id: e.id,
      campaignId: e.campaign_id,
      brandName: e.brand_name,
      campaignName: e.campaign_name,
      commission: describeCommission(e),
      status: e.affiliate_status,
      referralUrl: referralUrl(context.config.appUrl, e.link_code),
      // Only approved affiliates recruit (undefined otherwise: the key is left out).
      recruitUrl:
        e.affiliate_status === "approved"
          ? recruitingUrl(context.config.appUrl, e.campaign_slug, e.recruit_code)
          : undefined,
      overridePercent:
        e.affiliate_status === "approved" && e.sub_affiliate_override_bps > 0
          ? formatPercent(e.sub_affiliate_override_bps)
          : undefined,
    })),
  };
}

export default function AffiliateHome() {
  const { name, enrollments } = useLoaderData<typeof loader>();
  // Status is per brand, so one banner per brand still under review.
  const pendingBrands = [
    ...new Set(enrollments.filter((e) => e.status === "pending").map((e) => e.brandName)),
  ];
  return (
    <>
      <div className="page-header">
        <div>
          <h1>My campaigns</h1>
          <p className="muted">Welcome, {name}. Share your referral links to earn commission.</p>
        </div>
      </div>
      {pendingBrands.map((brandName) => (
        <div key={brandName} className="alert warning" role="status">
          Your application to {brandName} is awaiting approval.
        </div>
      ))}
      {enrollments.length === 0 ? (
        <EmptyState title="No campaigns yet">
          <p>
            You join a brand&apos;s affiliate program through its join link. Ask the brand for the
            link, then sign up there with this email to see the campaign and your referral link
            here.
          </p>
        </EmptyState>
      ) : (
        <ul className="enrollment-list">
          {enrollments.map((e) => (
            <li key={e.id} className="card">
              <div className="row" style={{ justifyContent: "space-between" }}>
                <div>
                  <p className="muted small" style={{ margin: 0 }}>
                    {e.brandName}
                  </p>
                  <h2 style={{ margin: 0 }}>{e.campaignName}</h2>
                </div>
                <StatusBadge status={e.status} />
              </div>
              <p>You earn {e.commission}.</p>
              <p className="small">
                <Link to={`/a/campaigns/${e.campaignId}`}>
                  Coupon codes and details<span className="sr-only"> for {e.campaignName}</span> →
                </Link>
              </p>
              {e.status === "approved" ? (
                <>
                  <CopyField
                    label={`Your referral link for ${e.campaignName}`}
                    value={e.referralUrl}
                  />
                  {e.recruitUrl ? (
                    <CopyField
                      label={`Your recruiting link for ${e.campaignName}`}
                      value={e.recruitUrl}
                      hint={
                        e.overridePercent
                          ? `Affiliates who join through this link become your sub-affiliates: you earn ${e.overridePercent} of their sales.`
                          : "Affiliates who join through this link are recorded as your sub-affiliates."
                      }
                    />
                  ) : null}
                </>
              ) : e.status === "pending" ? (
                <>
                  <CopyField
                    label={`Your referral link for ${e.campaignName}`}
                    value={e.referralUrl}
                  />
                  <p className="muted small">
                    Until {e.brandName} approves you, the link only forwards visitors: their clicks
                    are not counted and earn nothing. Share it once you are approved.
                  </p>
                </>
              ) : (
                <p className="muted small">
                  {e.status === "rejected"
                    ? `${e.brandName} did not approve your application.`
                    : `${e.brandName} has suspended your account for this program.`}{" "}
                  Your referral link is not active.
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
