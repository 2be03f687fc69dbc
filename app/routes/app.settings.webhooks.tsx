import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireBrandUser } from "~/auth/guards.server";
import { CopyField } from "~/components/CopyField";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { FormError, useFocusFirstInvalid } from "~/components/Field";
import {
  createWebhookEndpoint,
  listWebhookEndpoints,
} from "~/services/webhooks/webhook-endpoints.server";
import {
  EndpointFields,
  EndpointStatus,
  WhenUtc,
  type EndpointFieldErrors,
} from "~/webhooks/EndpointFields";

export const meta: MetaFunction = () => [{ title: "Webhooks · Rekomi" }];

interface EndpointRow {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const endpoints = await listWebhookEndpoints(context.db, brand.id);
  const rows: EndpointRow[] = endpoints.map((e) => ({
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  }));
  return { endpoints: rows };
}

type ActionData =
  | { ok: true; created: { id: string; url: string; secret: string } }
  | {
      ok: false;
      fieldErrors: EndpointFieldErrors & { form?: string };
      values: { url: string; description: string; eventTypes: string[] };
    };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  if (form.get("intent") !== "create") throw new Response("Unknown action", { status: 400 });
  const values = {
    url: String(form.get("url") ?? ""),
    description: String(form.get("description") ?? ""),
    eventTypes: form.getAll("eventTypes").map(String),
  };
  const result = await createWebhookEndpoint(context.db, context, { brandId: brand.id, values });
  if (!result.ok) {
    const body: ActionData = { ok: false, fieldErrors: result.fieldErrors, values };
    return data(body, { status: 400 });
  }
  const body: ActionData = {
    ok: true,
    created: { id: result.endpoint.id, url: result.endpoint.url, secret: result.secret },
  };
  // The secret is shown once and must never be cached.
  return data(body, { headers: { "Cache-Control": "no-store" } });
}

export default function WebhooksSettings() {
  const { endpoints } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const failed = actionData && !actionData.ok ? actionData : null;
  const created = actionData?.ok ? actionData.created : null;
  useFocusFirstInvalid(formRef, failed);
  return (
    <div className="stack">
      <p className="muted">
        Rekomi sends <span className="mono">conversion.created</span>,{" "}
        <span className="mono">conversion.updated</span> and{" "}
        <span className="mono">conversion.refunded</span> events to your endpoints as signed JSON (
        <a href="https://www.standardwebhooks.com" rel="noreferrer">
          Standard Webhooks
        </a>
        : <span className="mono">webhook-id</span>, <span className="mono">webhook-timestamp</span>,{" "}
        <span className="mono">webhook-signature</span>). Failed deliveries are retried for about 3
        days.
      </p>

      {created ? (
        <div className="alert success" role="status">
          <p style={{ marginTop: 0 }}>
            <strong>Endpoint added.</strong> Copy its signing secret now — it will not be shown
            again. <Link to={`/app/settings/webhooks/${created.id}`}>Open the endpoint</Link> to
            send a test event.
          </p>
          <CopyField label="Signing secret" value={created.secret} />
        </div>
      ) : null}

      <section className="card" aria-labelledby="new-endpoint-heading">
        <h2 id="new-endpoint-heading" style={{ marginTop: 0 }}>
          Add an endpoint
        </h2>
        <Form method="post" ref={formRef} noValidate key={created?.id ?? "new"}>
          <CsrfInput />
          <input type="hidden" name="intent" value="create" />
          <FormError>{failed?.fieldErrors.form}</FormError>
          <EndpointFields
            idPrefix="new-endpoint"
            values={failed?.values}
            errors={failed?.fieldErrors}
          />
          <button type="submit" className="primary" disabled={navigation.state === "submitting"}>
            Add endpoint
          </button>
        </Form>
      </section>

      <section aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        {endpoints.length === 0 ? (
          <EmptyState title="No webhook endpoints yet" headingLevel={3}>
            Add an endpoint above to receive conversions in your own systems as they happen.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col">Added</th>
                </tr>
              </thead>
              <tbody>
                {endpoints.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Link to={`/app/settings/webhooks/${e.id}`} className="mono">
                        {e.url}
                      </Link>
                      {e.description ? <div className="muted small">{e.description}</div> : null}
                    </td>
                    <td className="small mono">{e.eventTypes.join(", ")}</td>
                    <td>
                      <EndpointStatus enabled={e.enabled} failingSince={e.failingSince} />
                      {!e.enabled && e.disabledReason ? (
                        <div className="small muted">{e.disabledReason}</div>
                      ) : null}
                      {e.enabled && e.failingSince ? (
                        <div className="small muted">
                          Failing since <WhenUtc iso={e.failingSince} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <WhenUtc iso={e.createdAt} />
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
