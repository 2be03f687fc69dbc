import { invalidRequest, resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { newId, nowSeconds, randomString } from "../ids.js";
import { mergeMetadata, newMetadata, Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";
import type { Account } from "../state.js";
import type { WebhookEndpointObject } from "../types.js";

const EVENT_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)+)$/;
const API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

function getEndpoint(account: Account, id: string): WebhookEndpointObject {
  const endpoint = account.webhookEndpoints.get(id);
  if (!endpoint) throw resourceMissing("webhook_endpoint", id);
  return endpoint;
}

function readUrl(p: Params, required: boolean): string | undefined {
  const url = p.str("url", { required, maxLength: 5000 });
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, "url", "url_invalid");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidRequest(
      `Invalid URL: ${url}. URLs must use the http or https scheme.`,
      "url",
      "url_invalid",
    );
  }
  return url;
}

function readEvents(p: Params, required: boolean): string[] | undefined {
  const events = p.strArray("enabled_events", { required });
  if (events === undefined) return undefined;
  if (events.length === 0) {
    throw invalidRequest(
      "Invalid enabled_events: must contain at least one event type.",
      "enabled_events",
    );
  }
  events.forEach((e, i) => {
    if (!EVENT_PATTERN.test(e)) {
      throw invalidRequest(
        `Invalid enabled_events[${i}]: ${e} is not a valid event type.`,
        `enabled_events[${i}]`,
      );
    }
  });
  return [...new Set(events)];
}

export const webhookEndpointRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/webhook_endpoints$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        "url",
        "enabled_events",
        "api_version",
        "connect",
        "description",
        "metadata",
      ]);
      const url = readUrl(p, true) ?? "";
      const events = readEvents(p, true) ?? [];
      const apiVersion = p.str("api_version");
      if (apiVersion !== undefined && !API_VERSION_PATTERN.test(apiVersion)) {
        throw invalidRequest(`Invalid api_version: ${apiVersion}`, "api_version");
      }
      p.bool("connect");
      const endpoint: WebhookEndpointObject = {
        id: newId("we", 24),
        object: "webhook_endpoint",
        api_version: apiVersion ?? null,
        application: null,
        created: nowSeconds(),
        description: p.emptyableStr("description") ?? null,
        enabled_events: events,
        livemode: ctx.account.livemode,
        metadata: newMetadata(p.metadata()),
        secret: `whsec_${randomString(32)}`,
        status: "enabled",
        url,
      };
      ctx.account.webhookEndpoints.set(endpoint.id, endpoint);
      return render(ctx.account, endpoint, ctx.expand, { includeSecret: true });
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/webhook_endpoints$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS]);
      return renderList(
        ctx.account,
        ctx.account.webhookEndpoints.values(),
        ctx.path,
        listOptions(p),
        ctx.expand,
      );
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      return render(ctx.account, getEndpoint(ctx.account, ctx.pathParams[0]), ctx.expand);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        "url",
        "enabled_events",
        "description",
        "disabled",
        "metadata",
      ]);
      const endpoint = getEndpoint(ctx.account, ctx.pathParams[0]);
      const url = readUrl(p, false);
      const events = readEvents(p, false);
      const description = p.emptyableStr("description");
      const disabled = p.bool("disabled");
      const metadata = p.metadata();
      if (url !== undefined) endpoint.url = url;
      if (events !== undefined) endpoint.enabled_events = events;
      if (description !== undefined) endpoint.description = description;
      if (disabled !== undefined) endpoint.status = disabled ? "disabled" : "enabled";
      endpoint.metadata = mergeMetadata(endpoint.metadata, metadata);
      return render(ctx.account, endpoint, ctx.expand);
    },
  },
  {
    method: "DELETE",
    pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const endpoint = getEndpoint(ctx.account, ctx.pathParams[0]);
      ctx.account.webhookEndpoints.delete(endpoint.id);
      return { id: endpoint.id, object: "webhook_endpoint", deleted: true };
    },
  },
];
