/** The endpoint's action buttons; rotate and delete ask first. */
import { Form } from "@remix-run/react";
import { ConfirmAction } from "~/components/ConfirmAction";
import { CsrfInput } from "~/components/CsrfInput";
import { WhenUtc } from "~/webhooks/EndpointFields";

export function EndpointActions({
  endpoint,
  busy,
}: {
  endpoint: { enabled: boolean; rotationEndsAt: string | null };
  busy: boolean;
}) {
  return (
    <section className="card" aria-labelledby="actions-heading">
      <h3 id="actions-heading" style={{ marginTop: 0 }}>
        Actions
      </h3>
      <div className="row">
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="test" />
          <button type="submit" disabled={busy || !endpoint.enabled}>
            Send test event
          </button>
        </Form>
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value={endpoint.enabled ? "disable" : "enable"} />
          <button type="submit" disabled={busy}>
            {endpoint.enabled ? "Disable" : "Enable"}
          </button>
        </Form>
        <ConfirmAction
          fields={{ intent: "rotate" }}
          label="Rotate secret"
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          className=""
          disabled={busy}
        >
          <p>
            Rekomi makes a new signing secret and shows it once. For 24 hours every message is
            signed with both the old and the new secret, so update your receiver within that time.
          </p>
        </ConfirmAction>
        <ConfirmAction
          fields={{ intent: "delete" }}
          label="Delete endpoint"
          title="Delete this endpoint?"
          confirmLabel="Delete endpoint"
          disabled={busy}
        >
          <p>
            No more events are sent to it, and its delivery log is deleted. This cannot be undone.
          </p>
        </ConfirmAction>
      </div>
      {endpoint.rotationEndsAt ? (
        <p className="small muted">
          Secret rotation in progress: the previous secret also signs until{" "}
          <WhenUtc iso={endpoint.rotationEndsAt} />.
        </p>
      ) : null}
    </section>
  );
}
