import { Field } from "~/components/Field";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./events";

export interface EndpointFieldValues {
  url?: string;
  description?: string;
  eventTypes?: readonly string[];
}

export interface EndpointFieldErrors {
  url?: string;
  description?: string;
  eventTypes?: string;
}

/** URL, description and event checkboxes of a webhook endpoint form (presentational). */
export function EndpointFields({
  idPrefix,
  values,
  errors,
}: {
  idPrefix: string;
  values?: EndpointFieldValues;
  errors?: EndpointFieldErrors;
}) {
  const selected = new Set(values?.eventTypes ?? WEBHOOK_EVENT_TYPES);
  const eventsErrorId = `${idPrefix}-events-error`;
  return (
    <>
      <Field
        id={`${idPrefix}-url`}
        label="Endpoint URL"
        name="url"
        type="url"
        inputMode="url"
        required
        maxLength={2048}
        placeholder="https://example.com/webhooks/rekomi"
        hint="We POST signed JSON here. Must be a public http(s) URL."
        defaultValue={values?.url}
        error={errors?.url}
      />
      <Field
        id={`${idPrefix}-description`}
        label="Description (optional)"
        name="description"
        maxLength={200}
        placeholder="CRM sync"
        defaultValue={values?.description}
        error={errors?.description}
      />
      <fieldset
        aria-describedby={errors?.eventTypes ? eventsErrorId : undefined}
        aria-invalid={errors?.eventTypes ? true : undefined}
      >
        <legend>Events to send</legend>
        {WEBHOOK_EVENT_TYPES.map((type: WebhookEventType) => (
          <label key={type} className="checkbox">
            <input
              type="checkbox"
              name="eventTypes"
              value={type}
              defaultChecked={selected.has(type)}
              aria-invalid={errors?.eventTypes ? true : undefined}
            />
            <span>
              <span className="mono">{type}</span>{" "}
              <span className="muted small">— {WEBHOOK_EVENT_LABELS[type]}</span>
            </span>
          </label>
        ))}
        {errors?.eventTypes ? (
          <span className="error" id={eventsErrorId} role="alert">
            {errors.eventTypes}
          </span>
        ) : null}
      </fieldset>
    </>
  );
}

const dateTime = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

export function WhenUtc({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return <time dateTime={iso}>{dateTime.format(new Date(iso))} UTC</time>;
}

export function EndpointStatus({
  enabled,
  failingSince,
}: {
  enabled: boolean;
  failingSince: string | null;
}) {
  if (!enabled) return <span className="badge danger">Disabled</span>;
  if (failingSince) return <span className="badge warning">Failing</span>;
  return <span className="badge success">Enabled</span>;
}

const DELIVERY_LABELS: Record<string, { label: string; tone: string }> = {
  pending: { label: "Pending", tone: "pending" },
  succeeded: { label: "Delivered", tone: "success" },
  failed: { label: "Retrying", tone: "warning" },
  exhausted: { label: "Gave up", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "danger" },
};

export function DeliveryStatusBadge({ status }: { status: string }) {
  const s = DELIVERY_LABELS[status] ?? { label: status, tone: "" };
  return <span className={`badge ${s.tone}`}>{s.label}</span>;
}
