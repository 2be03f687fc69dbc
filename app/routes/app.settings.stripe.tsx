import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandOwner } from "~/auth/guards.server";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, useFocusFirstInvalid } from "~/components/Field";
import type { StripeEventStatus } from "~/db/schema";
import {
  connectStripe,
  disconnectStripe,
  getStripeConnection,
  webhookUrlFor,
} from "~/services/stripe-account/stripe-connection.server";
import { listStripeEvents } from "~/services/stripe-events/event-list.server";
import { retryStripeEvent } from "~/services/stripe-events/process.server";
import { STRIPE_KEY_PERMISSIONS, STRIPE_WEBHOOK_EVENTS } from "~/stripe/constants";
import { keepActionHeaders } from "~/http/action-headers";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "Stripe · Settings · Rekomi" }];

interface EventRow {
  id: string;
  stripeEventId: string;
  type: string;
  status: StripeEventStatus;
  error: string | null;
  attempts: number;
  receivedAt: string;
}

interface LoaderData {
  connection: {
    connected: boolean;
    webhookEndpointId: string | null;
    livemode: boolean | null;
    keyDisplay: string | null;
    connectedAt: string | null;
  };
  webhookUrl: string;
  events: EventRow[];
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandOwner(request, context);
  const [connection, events] = await Promise.all([
    getStripeConnection(context.db, context.config, brand.id),
    listStripeEvents(context.db, brand.id, { limit: 50 }),
  ]);
  const result: LoaderData = {
    connection: {
      connected: connection.connected,
      webhookEndpointId: connection.webhook_endpoint_id,
      livemode: connection.livemode,
      keyDisplay: connection.key_display,
      connectedAt: connection.connected_at?.toISOString() ?? null,
    },
    webhookUrl: webhookUrlFor(context.config, brand.id),
    events: events.map((e) => ({
      id: e.id,
      stripeEventId: e.stripe_event_id,
      type: e.type,
      status: e.status,
      error: e.error,
      attempts: e.attempts,
      receivedAt: e.received_at.toISOString(),
    })),
  };
  return result;
}

export type StripeSettingsActionData =
  | { intent: "connect"; ok: false; fieldErrors: { secret_key: string } }
  | { intent: "connect"; ok: true; replaced: boolean; warning: string | null }
  | { intent: "disconnect"; ok: true; warning: string | null }
  | { intent: "disconnect"; ok: false; message: string }
  | { intent: "retry"; ok: boolean; message: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const intent = form.get("intent");
  // Members cannot touch this; an unverified owner cannot connect Stripe yet.
  const { brand } = await requireBrandOwner(request, context, { verified: intent === "connect" });

  if (intent === "connect") {
    const result = await connectStripe(
      context.db,
      context.config,
      brand.id,
      form.get("secret_key") ?? "",
    );
    if (!result.ok) {
      const body: StripeSettingsActionData = {
        intent: "connect",
        ok: false,
        fieldErrors: { secret_key: result.message },
      };
      return data(body, { status: 400, headers: { "Cache-Control": "no-store" } });
    }
    const body: StripeSettingsActionData = {
      intent: "connect",
      ok: true,
      replaced: result.replacedEndpointId !== null,
      warning: result.warning ?? null,
    };
    return data(body, { headers: { "Cache-Control": "no-store" } });
  }

  if (intent === "disconnect") {
    const result = await disconnectStripe(context.db, context.config, brand.id);
    const body: StripeSettingsActionData = result.ok
      ? { intent: "disconnect", ok: true, warning: result.warning ?? null }
      : { intent: "disconnect", ok: false, message: "Stripe is not connected." };
    return body;
  }

  if (intent === "retry") {
    const result = await retryStripeEvent(context.db, brand.id, String(form.get("eventId") ?? ""));
    if (!result.ok && result.reason === "not_found") throw notFound("Event not found");
    const body: StripeSettingsActionData = result.ok
      ? { intent: "retry", ok: true, message: "Event queued for another attempt." }
      : { intent: "retry", ok: false, message: "Only failed events can be retried." };
    return body;
  }

  throw new Response("Unknown action", { status: 400 });
}

const dateTime = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

function When({ iso }: { iso: string }) {
  return <time dateTime={iso}>{dateTime.format(new Date(iso))} UTC</time>;
}

const STATUS_BADGE: Record<StripeEventStatus, { className: string; label: string }> = {
  pending: { className: "badge pending", label: "Pending" },
  processed: { className: "badge approved", label: "Processed" },
  ignored: { className: "badge", label: "Ignored" },
  failed: { className: "badge rejected", label: "Failed" },
};

export default function StripeSettings() {
  const { connection, webhookUrl, events } = useLoaderData<LoaderData>();
  const actionData = useActionData<StripeSettingsActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const connectError =
    actionData?.intent === "connect" && !actionData.ok ? actionData.fieldErrors : null;
  useFocusFirstInvalid(formRef, connectError);
  const busyIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;

  return (
    <div className="stack">
      <ActionMessage actionData={actionData} />

      {connection.connected ? (
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
            <button type="submit" className="danger" disabled={busyIntent === "disconnect"}>
              {busyIntent === "disconnect" ? "Disconnecting…" : "Disconnect Stripe"}
            </button>
          </Form>
        </section>
      ) : null}

      <section className="card" aria-labelledby="stripe-connect-heading">
        <h2 id="stripe-connect-heading" style={{ marginTop: 0 }}>
          {connection.connected ? "Replace the key" : "Connect Stripe"}
        </h2>
        <p className="muted">
          Create a <strong>restricted key</strong> in the Stripe Dashboard (Developers → API keys →
          Create restricted key) with these permissions, then paste it here. Rekomi creates a
          webhook endpoint on your account and stores the key encrypted.
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
            error={connectError?.secret_key}
          />
          <button type="submit" className="primary" disabled={busyIntent === "connect"}>
            {busyIntent === "connect"
              ? "Connecting…"
              : connection.connected
                ? "Reconnect"
                : "Connect Stripe"}
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

      <section aria-labelledby="stripe-events-heading">
        <h2 id="stripe-events-heading">Recent webhook events</h2>
        {events.length === 0 ? (
          <div className="empty">
            <h3>No events yet</h3>
            <p className="muted">
              {connection.connected
                ? "Events from Stripe appear here as they arrive, for example after a checkout or a refund."
                : "Connect Stripe above; its webhook events will be listed here."}
            </p>
          </div>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">
                The 50 most recent Stripe webhook events, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Received</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Error</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr key={event.id}>
                    <td>
                      <span className="mono">{event.type}</span>
                      <br />
                      <span className="muted small mono">{event.stripeEventId}</span>
                    </td>
                    <td>
                      <When iso={event.receivedAt} />
                    </td>
                    <td>
                      <span className={STATUS_BADGE[event.status].className}>
                        {STATUS_BADGE[event.status].label}
                      </span>
                    </td>
                    <td className="num">{event.attempts}</td>
                    <td className="small">{event.error ?? <span className="muted">—</span>}</td>
                    <td>
                      {event.status === "failed" ? (
                        <Form method="post">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="retry" />
                          <input type="hidden" name="eventId" value={event.id} />
                          <button
                            type="submit"
                            aria-label={`Retry ${event.type} event ${event.stripeEventId}`}
                          >
                            Retry
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function ActionMessage({ actionData }: { actionData: StripeSettingsActionData | undefined }) {
  if (!actionData) return null;
  if (actionData.intent === "connect") {
    if (!actionData.ok) return null; // shown on the field
    return (
      <>
        <div className="alert success" role="status">
          {actionData.replaced
            ? "Stripe reconnected. The previous webhook endpoint was replaced."
            : "Stripe connected. Rekomi now receives your Stripe events."}
        </div>
        {actionData.warning ? (
          <div className="alert warning" role="alert">
            {actionData.warning}
          </div>
        ) : null}
      </>
    );
  }
  if (actionData.intent === "disconnect") {
    if (!actionData.ok) {
      return (
        <div className="alert info" role="status">
          {actionData.message}
        </div>
      );
    }
    return (
      <>
        <div className="alert success" role="status">
          Stripe disconnected.
        </div>
        {actionData.warning ? (
          <div className="alert warning" role="alert">
            {actionData.warning}
          </div>
        ) : null}
      </>
    );
  }
  return (
    <div className={`alert ${actionData.ok ? "success" : "info"}`} role="status">
      {actionData.message}
    </div>
  );
}
