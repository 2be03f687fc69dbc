/** Loader and action of Settings → Stripe: the connection, connect/disconnect, and event retries. */
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandOwner } from "~/auth/guards.server";
import type { StripeEventStatus } from "~/db/schema";
import { listStripeEvents } from "~/services/stripe-events/event-list.server";
import { retryStripeEvent } from "~/services/stripe-events/process.server";
import {
  connectStripe,
  disconnectStripe,
  getStripeConnection,
  webhookUrlFor,
} from "~/services/stripe-account/stripe-connection.server";

export interface EventRow {
  id: string;
  stripeEventId: string;
  type: string;
  status: StripeEventStatus;
  error: string | null;
  attempts: number;
  receivedAt: string;
}

export interface LoaderData {
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
