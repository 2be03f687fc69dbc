import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CopyField } from "~/components/CopyField";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { FormError, useFocusFirstInvalid } from "~/components/Field";
import {
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  rotateWebhookSecret,
  setWebhookEndpointEnabled,
  updateWebhookEndpoint,
} from "~/services/webhooks/webhook-endpoints.server";
import {
  listDeliveries,
  resendMessage,
  sendTestEvent,
} from "~/services/webhooks/webhook-messages.server";
import {
  DeliveryStatusBadge,
  EndpointFields,
  EndpointStatus,
  WhenUtc,
  type EndpointFieldErrors,
} from "~/webhooks/EndpointFields";

export const meta: MetaFunction = () => [{ title: "Webhook endpoint · Rekomi" }];

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const endpoint = await getWebhookEndpoint(context.db, brand.id, params.endpointId ?? "");
  if (!endpoint) throw notFound("Webhook endpoint not found");
  const before = new URL(request.url).searchParams.get("before");
  const log = await listDeliveries(context.db, {
    brandId: brand.id,
    endpointId: endpoint.id,
    before,
  });
  const now = Date.now();
  return {
    endpoint: {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description,
      eventTypes: endpoint.eventTypes,
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason,
      failingSince: iso(endpoint.failingSince),
      rotationEndsAt:
        endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now
          ? endpoint.previousSecretExpiresAt.toISOString()
          : null,
    },
    isFirstPage: !before,
    nextCursor: log.nextCursor,
    deliveries: log.deliveries.map((d) => ({
      id: d.id,
      messageId: d.messageId,
      eventType: d.eventType,
      createdAt: d.createdAt.toISOString(),
      status: d.status,
      attemptCount: d.attemptCount,
      nextAttemptAt: iso(d.nextAttemptAt),
      body: d.body,
      attempts: d.attempts.map((a) => ({
        id: a.id,
        attemptedAt: a.attemptedAt.toISOString(),
        succeeded: a.succeeded,
        statusCode: a.statusCode,
        latencyMs: a.latencyMs,
        error: a.error,
        responseSnippet: a.responseSnippet,
      })),
    })),
  };
}

type ActionData =
  | { intent: "update"; ok: true }
  | {
      intent: "update";
      ok: false;
      fieldErrors: EndpointFieldErrors & { form?: string };
      values: { url: string; description: string; eventTypes: string[] };
    }
  | { intent: "rotate"; ok: true; secret: string; previousSecretExpiresAt: string }
  | { intent: "enable" | "disable"; ok: true }
  | { intent: "test" | "resend"; ok: true; message: string }
  | { intent: "test" | "resend"; ok: false; message: string };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const endpointId = params.endpointId ?? "";
  const intent = String(form.get("intent") ?? "");
  const brandId = brand.id;
  switch (intent) {
    case "update": {
      const values = {
        url: String(form.get("url") ?? ""),
        description: String(form.get("description") ?? ""),
        eventTypes: form.getAll("eventTypes").map(String),
      };
      const result = await updateWebhookEndpoint(context.db, context, {
        brandId,
        endpointId,
        values,
      });
      if (!result) throw notFound("Webhook endpoint not found");
      if (!result.ok) {
        const body: ActionData = { intent, ok: false, fieldErrors: result.fieldErrors, values };
        return data(body, { status: 400 });
      }
      return { intent, ok: true } satisfies ActionData;
    }
    case "enable":
    case "disable": {
      const updated = await setWebhookEndpointEnabled(context.db, {
        brandId,
        endpointId,
        enabled: intent === "enable",
      });
      if (!updated) throw notFound("Webhook endpoint not found");
      return { intent, ok: true } satisfies ActionData;
    }
    case "rotate": {
      const rotated = await rotateWebhookSecret(context.db, context, { brandId, endpointId });
      if (!rotated) throw notFound("Webhook endpoint not found");
      const body: ActionData = {
        intent,
        ok: true,
        secret: rotated.secret,
        previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
      };
      return data(body, { headers: { "Cache-Control": "no-store" } });
    }
    case "test": {
      const sent = await sendTestEvent(context.db, { brandId, endpointId });
      if (!sent) throw notFound("Webhook endpoint not found");
      if (!sent.ok)
        return data({ intent, ok: false, message: sent.message } satisfies ActionData, {
          status: 409,
        });
      return {
        intent,
        ok: true,
        message: `Test event ${sent.messageId} queued.`,
      } satisfies ActionData;
    }
    case "resend": {
      const messageId = String(form.get("messageId") ?? "");
      const result = await resendMessage(context.db, { brandId, messageId, endpointId });
      if (!result) throw notFound("Message not found");
      if (!result.ok)
        return data({ intent, ok: false, message: result.message } satisfies ActionData, {
          status: 409,
        });
      return {
        intent,
        ok: true,
        message: `Message ${messageId} queued for delivery again.`,
      } satisfies ActionData;
    }
    case "delete": {
      const deleted = await deleteWebhookEndpoint(context.db, { brandId, endpointId });
      if (!deleted) throw notFound("Webhook endpoint not found");
      return redirect("/app/settings/webhooks");
    }
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

export default function WebhookEndpointPage() {
  const { endpoint, deliveries, nextCursor, isFirstPage } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const formRef = useRef<HTMLFormElement>(null);
  const updateFailed = actionData?.intent === "update" && !actionData.ok ? actionData : null;
  useFocusFirstInvalid(formRef, updateFailed);
  const confirmSubmit = (message: string) => (e: React.FormEvent) => {
    if (!confirm(message)) e.preventDefault();
  };
  return (
    <div className="stack">
      <p>
        <Link to="/app/settings/webhooks">← All endpoints</Link>
      </p>
      <div className="row" style={{ alignItems: "center", gap: "0.75rem" }}>
        <h2 className="mono" style={{ margin: 0, wordBreak: "break-all" }}>
          {endpoint.url}
        </h2>
        <EndpointStatus enabled={endpoint.enabled} failingSince={endpoint.failingSince} />
      </div>
      {endpoint.description ? <p className="muted">{endpoint.description}</p> : null}

      {!endpoint.enabled ? (
        <div className="alert warning" role="status">
          <strong>This endpoint is disabled.</strong> {endpoint.disabledReason ?? ""} No events are
          sent to it until you enable it again.
        </div>
      ) : endpoint.failingSince ? (
        <div className="alert warning" role="status">
          Deliveries have been failing since <WhenUtc iso={endpoint.failingSince} />. After 5 days
          of continuous failure the endpoint is disabled automatically.
        </div>
      ) : null}

      {actionData?.intent === "rotate" ? (
        <div className="alert success" role="status">
          <p style={{ marginTop: 0 }}>
            <strong>New signing secret.</strong> Copy it now — it will not be shown again. Until{" "}
            <WhenUtc iso={actionData.previousSecretExpiresAt} /> every message carries signatures
            from both the old and the new secret.
          </p>
          <CopyField label="New signing secret" value={actionData.secret} />
        </div>
      ) : null}
      {actionData && (actionData.intent === "test" || actionData.intent === "resend") ? (
        <div
          className={`alert ${actionData.ok ? "success" : "error"}`}
          role={actionData.ok ? "status" : "alert"}
        >
          {actionData.message}
        </div>
      ) : null}
      {actionData?.intent === "update" && actionData.ok ? (
        <div className="alert success" role="status">
          Endpoint saved.
        </div>
      ) : null}
      {actionData?.intent === "enable" || actionData?.intent === "disable" ? (
        <div className="alert info" role="status">
          Endpoint {actionData.intent === "enable" ? "enabled" : "disabled"}.
        </div>
      ) : null}

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

      <section className="card" aria-labelledby="edit-heading">
        <h3 id="edit-heading" style={{ marginTop: 0 }}>
          Edit endpoint
        </h3>
        <Form method="post" ref={formRef} noValidate>
          <CsrfInput />
          <input type="hidden" name="intent" value="update" />
          <FormError>{updateFailed?.fieldErrors.form}</FormError>
          <EndpointFields
            idPrefix="edit-endpoint"
            values={updateFailed?.values ?? endpoint}
            errors={updateFailed?.fieldErrors}
          />
          <button type="submit" className="primary" disabled={busy}>
            Save changes
          </button>
        </Form>
      </section>

      <section aria-labelledby="log-heading">
        <h3 id="log-heading">Delivery log</h3>
        {deliveries.length === 0 ? (
          <EmptyState
            title={isFirstPage ? "No deliveries yet" : "No older deliveries"}
            headingLevel={3}
          >
            {isFirstPage
              ? "Messages sent to this endpoint appear here with every attempt. Send a test event to try it."
              : null}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">Event</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.id}>
                    <td className="mono small">{d.messageId}</td>
                    <td className="mono small">{d.eventType}</td>
                    <td className="small">
                      <WhenUtc iso={d.createdAt} />
                    </td>
                    <td>
                      <DeliveryStatusBadge status={d.status} />
                      {d.nextAttemptAt && d.status === "failed" ? (
                        <div className="small muted">
                          Next try <WhenUtc iso={d.nextAttemptAt} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <details>
                        <summary>
                          {d.attemptCount} attempt{d.attemptCount === 1 ? "" : "s"}
                        </summary>
                        {d.attempts.length > 0 ? (
                          <table className="small">
                            <thead>
                              <tr>
                                <th scope="col">Time</th>
                                <th scope="col">Status code</th>
                                <th scope="col">Latency</th>
                                <th scope="col">Response</th>
                              </tr>
                            </thead>
                            <tbody>
                              {d.attempts.map((a) => (
                                <tr key={a.id}>
                                  <td>
                                    <WhenUtc iso={a.attemptedAt} />
                                  </td>
                                  <td>
                                    <span className={`badge ${a.succeeded ? "success" : "danger"}`}>
                                      {a.statusCode ?? "—"}
                                    </span>
                                  </td>
                                  <td className="num">{a.latencyMs} ms</td>
                                  <td>
                                    {a.error ? <div>{a.error}</div> : null}
                                    {a.responseSnippet ? (
                                      <pre
                                        className="mono small"
                                        style={{ whiteSpace: "pre-wrap", maxWidth: "40ch" }}
                                      >
                                        {a.responseSnippet}
                                      </pre>
                                    ) : null}
                                  </td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        ) : (
                          <p className="muted small">Not attempted yet.</p>
                        )}
                        <p className="small" style={{ marginBottom: 0 }}>
                          Payload:
                        </p>
                        <pre
                          className="mono small"
                          style={{ whiteSpace: "pre-wrap", maxWidth: "60ch" }}
                        >
                          {d.body}
                        </pre>
                      </details>
                    </td>
                    <td>
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="resend" />
                        <input type="hidden" name="messageId" value={d.messageId} />
                        <button
                          type="submit"
                          disabled={busy || !endpoint.enabled}
                          aria-label={`Resend ${d.messageId}`}
                        >
                          Resend
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="row">
          {!isFirstPage ? <Link to=".">Newest deliveries</Link> : null}
          {nextCursor ? <Link to={`?before=${nextCursor}`}>Older deliveries →</Link> : null}
        </div>
      </section>
    </div>
  );
}
