/** The connected account's details and Disconnect (which asks first). */
import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/CsrfInput";
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
      <Form
        method="post"
        onSubmit={(e) => {
          if (
            !confirm(
              "Disconnect Stripe? Rekomi deletes its webhook endpoint and stops tracking coupon and checkout conversions until you connect again.",
            )
          ) {
            e.preventDefault();
          }
        }}
      >
        <CsrfInput />
        <input type="hidden" name="intent" value="disconnect" />
        <button type="submit" className="danger" disabled={busy}>
          {busy ? "Disconnecting…" : "Disconnect Stripe"}
        </button>
      </Form>
    </section>
  );
}
