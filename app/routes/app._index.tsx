import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";
import { getBrandDashboard, type BrandDashboard } from "~/services/accounts/accounts.server";
import { hasTrackingSignal } from "~/services/setup/tracking-status.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Rekomi" }];

interface DashboardData {
  brandName: string;
  userName: string;
  stats: BrandDashboard;
  joinUrl: string | null;
  /** A click or a Stripe event has arrived: the install works. */
  trackingSeen: boolean;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, brand } = await requireBrandUser(request, context);
  const [stats, trackingSeen] = await Promise.all([
    getBrandDashboard(context.db, brand.id),
    hasTrackingSignal(context.db, brand.id),
  ]);
  const result: DashboardData = {
    brandName: brand.name,
    userName: user.name,
    stats,
    joinUrl: stats.firstCampaignSlug
      ? `${context.config.appUrl}/join/${stats.firstCampaignSlug}`
      : null,
    trackingSeen,
  };
  return result;
}

interface Step {
  done: boolean;
  title: string;
  body: React.ReactNode;
}

function Checklist({ steps }: { steps: Step[] }) {
  const remaining = steps.filter((s) => !s.done).length;
  return (
    <section className="card" aria-labelledby="getting-started">
      <h2 id="getting-started" style={{ marginTop: 0 }}>
        Getting started
      </h2>
      <p className="muted small">
        {remaining === 0
          ? "All set — nice work."
          : `${steps.length - remaining} of ${steps.length} steps done.`}
      </p>
      <ol className="checklist">
        {steps.map((step) => (
          <li key={step.title} className={step.done ? "done" : undefined}>
            <span className="checklist-mark" aria-hidden="true">
              {step.done ? "✓" : ""}
            </span>
            <div>
              <strong>{step.title}</strong>
              <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
              <div className="muted small">{step.body}</div>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

export default function Dashboard() {
  const { brandName, userName, stats, joinUrl, trackingSeen } = useLoaderData<DashboardData>();
  const { affiliates } = stats;
  const steps: Step[] = [
    {
      done: stats.campaignCount > 0,
      title: "Create a campaign",
      body: (
        <>
          Set the commission, recurring months and approval rule.{" "}
          <Link to="/app/campaigns/new">Create a campaign</Link>
        </>
      ),
    },
    {
      done: affiliates.total > 0,
      title: "Share your join link",
      body: joinUrl ? (
        <>
          Send affiliates to <span className="mono">{joinUrl}</span> to sign up.
        </>
      ) : (
        "Each campaign has a join link that affiliates use to sign up."
      ),
    },
    {
      done: stats.stripeConnected,
      title: "Connect Stripe",
      body: (
        <>
          Paste a restricted key so Rekomi can see payments and create coupon codes.{" "}
          <Link to="/app/settings/stripe">Stripe settings</Link>
        </>
      ),
    },
    {
      done: trackingSeen,
      title: "Set up tracking",
      body: (
        <>
          Add the snippet to your site, pass the click to Checkout, and test it.{" "}
          <Link to="/app/setup">Set up tracking</Link>
        </>
      ),
    },
  ];
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">
            Welcome, {userName}. Here is how {brandName} is doing.
          </p>
        </div>
      </div>

      {affiliates.pending > 0 ? (
        <div className="alert warning" role="status">
          {affiliates.pending} affiliate{affiliates.pending === 1 ? " is" : "s are"} waiting for
          approval. <Link to="/app/affiliates?status=pending">Review pending affiliates</Link>
        </div>
      ) : null}

      <section aria-labelledby="overview" className="stack">
        <h2 id="overview" className="sr-only">
          Overview
        </h2>
        <div className="grid">
          <div className="card">
            <div className="muted small">Campaigns</div>
            <div className="stat">{stats.campaignCount}</div>
            <Link className="small" to="/app/campaigns">
              View campaigns
            </Link>
          </div>
          <div className="card">
            <div className="muted small">Approved affiliates</div>
            <div className="stat">{affiliates.approved}</div>
            <Link className="small" to="/app/affiliates">
              View affiliates
            </Link>
          </div>
          <div className="card">
            <div className="muted small">Pending approval</div>
            <div className="stat">{affiliates.pending}</div>
            <Link className="small" to="/app/affiliates?status=pending">
              Review
            </Link>
          </div>
          <div className="card">
            <div className="muted small">Rejected or suspended</div>
            <div className="stat">{affiliates.rejected + affiliates.suspended}</div>
          </div>
        </div>
      </section>

      <div className="stack" style={{ marginTop: "1.5rem" }}>
        <Checklist steps={steps} />
      </div>
    </>
  );
}
