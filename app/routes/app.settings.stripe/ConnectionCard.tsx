/** The connected account's details and Disconnect (which asks first). */
import { ConfirmAction } from "~/components/ConfirmAction";
import type { LoaderData } from "./stripe-settings.server";
import { When } from "./When";

export function ConnectionCard({
  connection,
  webhookUrl,
  busy,
}: {
  connection: LoaderData["connection"];
  webhookUrl: string;
  busy: boolean;
}) {
  return (
    <section className="card" aria-labelledby="stripe-status-heading">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="stripe-status-heading" style={{ margin: 0 }}>
          Stripe
        </h2>
        <span className="badge approved">Connected</span>
      </div>
      <dl className="details-list">
        <dt>Mode</dt>
        <dd>
          {connection.livemode ? (
            <span className="badge approved">Live</span>
          ) : (
            <span className="badge pending">Test</span>
          )}
        </dd>
        <dt>Key</dt>
        <dd className="mono">{connection.keyDisplay}</dd>
        <dt>Webhook endpoint</dt>
        <dd className="mono">{connection.webhookEndpointId}</dd>
        <dt>Receiving at</dt>
        <dd className="mono">{webhookUrl}</dd>
        {connection.connectedAt ? (
          <>
            <dt>Connected</dt>
            <dd>
              <When iso={connection.connectedAt} />
            </dd>
          </>
        ) : null}
      </dl>
      <ConfirmAction
        fields={{ intent: "disconnect" }}
        label={busy ? "Disconnecting…" : "Disconnect Stripe"}
        title="Disconnect Stripe?"
        confirmLabel="Disconnect Stripe"
        disabled={busy}
      >
        <p>
          Rekomi deletes its webhook endpoint from your Stripe account and forgets the key. Until
          you connect again, coupon and checkout sales are not tracked, and codes cannot be created.
          Your Stripe coupons and promotion codes stay as they are, so customers keep their
          discounts.
        </p>
      </ConfirmAction>
    </section>
  );
}
