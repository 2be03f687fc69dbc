/**
 * One outbound webhook endpoint: status, its actions (test, enable/disable, rotate, delete), the
 * edit form and the delivery log. Loader and action: ./endpoint.server.ts.
 */
import type { MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { CopyField } from "~/components/CopyField";
import { CsrfInput } from "~/components/CsrfInput";
import { FormError, useFocusFirstInvalid } from "~/components/Field";
import { EndpointFields, EndpointStatus, WhenUtc } from "~/webhooks/EndpointFields";
import { DeliveryLog } from "./DeliveryLog";
import type { ActionData, loader } from "./endpoint.server";
import { EndpointActions } from "./EndpointActions";

export { action, loader } from "./endpoint.server";

export const meta: MetaFunction = () => [{ title: "Webhook endpoint · Rekomi" }];

export default function WebhookEndpointPage() {
  const { endpoint, deliveries, nextCursor, isFirstPage } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const formRef = useRef<HTMLFormElement>(null);
  const updateFailed = actionData?.intent === "update" && !actionData.ok ? actionData : null;
  useFocusFirstInvalid(formRef, updateFailed);
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

      <EndpointActions endpoint={endpoint} busy={busy} />

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

      <DeliveryLog
        deliveries={deliveries}
        nextCursor={nextCursor}
        isFirstPage={isFirstPage}
        busy={busy}
        endpointEnabled={endpoint.enabled}
      />
    </div>
  );
}
