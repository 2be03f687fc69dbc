/** The endpoint's action buttons; rotate and delete ask first. */
import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/CsrfInput";
import { WhenUtc } from "~/webhooks/EndpointFields";

const confirmSubmit = (message: string) => (e: React.FormEvent) => {
  if (!confirm(message)) e.preventDefault();
};

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
        <Form
          method="post"
          onSubmit={confirmSubmit(
            "Rotate the signing secret? The old secret keeps signing for 24 hours, so update your receiver within that time.",
          )}
        >
          <CsrfInput />
          <input type="hidden" name="intent" value="rotate" />
          <button type="submit" disabled={busy}>
            Rotate secret
          </button>
        </Form>
        <Form
          method="post"
          onSubmit={confirmSubmit(
            "Delete this endpoint and its delivery log? This cannot be undone.",
          )}
        >
          <CsrfInput />
          <input type="hidden" name="intent" value="delete" />
          <button type="submit" className="danger" disabled={busy}>
            Delete endpoint
          </button>
        </Form>
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
