/** "Test your setup": the newest click and Stripe event, re-read on demand. */
import type { SerializeFrom } from "@remix-run/node";
import { Link, useRevalidator } from "@remix-run/react";
import { StripeEventStatusBadge } from "~/components/StripeEventStatusBadge";
import type { loader } from "./setup.server";

const when = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

function At({ iso }: { iso: string }) {
  return <time dateTime={iso}>{when.format(new Date(iso))} UTC</time>;
}

export function TestSetup({ data }: { data: SerializeFrom<typeof loader> }) {
  const revalidator = useRevalidator();
  const checking = revalidator.state !== "idle";
  const { lastClick, lastStripeEvent, connected } = data;
  return (
    <section className="card" aria-labelledby="test-heading">
      <h2 id="test-heading" style={{ marginTop: 0 }}>
        4. Test your setup
      </h2>
      <p className="muted">
        Open one of your affiliates&apos; referral links, then buy with a test card (or type an
        affiliate&apos;s code at Checkout). Both should show up here within seconds.
      </p>
      <div className="setup-status" aria-live="polite">
        <div>
          <h3>Last referral click</h3>
          {lastClick ? (
            <p>
              <At iso={lastClick.at} />
              <br />
              <span className="small muted">
                {lastClick.affiliateName} · {lastClick.campaignName}
              </span>
            </p>
          ) : (
            <p className="muted">
              None yet. Copy a referral link from an affiliate&apos;s page and open it.
            </p>
          )}
        </div>
        <div>
          <h3>Last Stripe event</h3>
          {lastStripeEvent ? (
            <p>
              <At iso={lastStripeEvent.at} />
              <br />
              <span className="small mono">{lastStripeEvent.type}</span>{" "}
              <StripeEventStatusBadge status={lastStripeEvent.status} />
            </p>
          ) : connected ? (
            <p className="muted">None yet. Complete a test checkout in Stripe.</p>
          ) : (
            <p className="muted">
              Stripe is not connected yet. <Link to="/app/settings/stripe">Connect Stripe</Link>
            </p>
          )}
        </div>
      </div>
      <button
        type="button"
        className="primary"
        disabled={checking}
        onClick={() => revalidator.revalidate()}
      >
        {checking ? "Checking…" : "Test your setup"}
      </button>
    </section>
  );
}
