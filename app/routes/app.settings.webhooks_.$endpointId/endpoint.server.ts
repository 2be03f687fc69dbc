/** Loader and action of the webhook endpoint page: details, delivery log, and the endpoint's actions. */
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import {
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  rotateWebhookSecret,
  setWebhookEndpointEnabled,
  updateWebhookEndpoint,
} from "~/services/webhooks/webhook-endpoints.server";
import { listDeliveries } from "~/services/webhooks/webhook-delivery-log.server";
import { resendMessage, sendTestEvent } from "~/services/webhooks/webhook-resend.server";
import type { EndpointFieldErrors } from "~/webhooks/EndpointFields";

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

export type ActionData =
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
