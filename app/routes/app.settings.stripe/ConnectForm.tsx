/** Connect (or replace) the brand's Stripe key: the permissions to grant and the key field. */
import { Form } from "@remix-run/react";
import type { RefObject } from "react";
import { CsrfInput } from "~/components/CsrfInput";
import { Field } from "~/components/Field";
import { STRIPE_KEY_PERMISSIONS, STRIPE_WEBHOOK_EVENTS } from "~/stripe/constants";

export function ConnectForm({
  connected,
  busy,
  error,
  formRef,
}: {
  connected: boolean;
  busy: boolean;
  error: string | undefined;
  formRef: RefObject<HTMLFormElement>;
}) {
  return (
    <section className="card" aria-labelledby="stripe-connect-heading">
      <h2 id="stripe-connect-heading" style={{ marginTop: 0 }}>
        {connected ? "Replace the key" : "Connect Stripe"}
      </h2>
      <p className="muted">
        Create a <strong>restricted key</strong> in the Stripe Dashboard (Developers → API keys →
        Create restricted key) with these permissions, then paste it here. Rekomi creates a webhook
        endpoint on your account and stores the key encrypted.
      </p>
      <p>
        <a href="https://dashboard.stripe.com/apikeys/create" target="_blank" rel="noreferrer">
          Create a restricted key in Stripe
        </a>{" "}
        (opens Stripe in a new tab; for a sandbox, switch the Dashboard to test mode first).
      </p>
      <div className="grid">
        <div>
          <h3 className="small">Write</h3>
          <ul>
            {STRIPE_KEY_PERMISSIONS.write.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
        <div>
          <h3 className="small">Read</h3>
          <ul>
            {STRIPE_KEY_PERMISSIONS.read.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      </div>
      <Form method="post" ref={formRef} noValidate autoComplete="off">
        <CsrfInput />
        <input type="hidden" name="intent" value="connect" />
        <Field
          label="Restricted key"
          name="secret_key"
          type="password"
          required
          autoComplete="off"
          spellCheck={false}
          placeholder="rk_live_…"
          hint="Starts with rk_live_ or rk_test_ (a secret key, sk_…, also works)."
          error={error}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Connecting…" : connected ? "Reconnect" : "Connect Stripe"}
        </button>
      </Form>
      <details>
        <summary className="small">Events Rekomi listens to</summary>
        <ul className="mono small">
          {STRIPE_WEBHOOK_EVENTS.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      </details>
    </section>
  );
}
