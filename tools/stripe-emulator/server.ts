import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleControl } from "./control.js";
import type { Emulator, Route } from "./emulator.js";
import { StripeApiError, unrecognizedUrl, invalidRequest } from "./errors.js";
import { parseForm, type FormObject, type FormValue } from "./form.js";
import { newId } from "./ids.js";
import { Params } from "./params.js";
import { billingRoutes } from "./resources/billing.js";
import { checkoutSessionRoutes } from "./resources/checkoutSessions.js";
import { couponRoutes } from "./resources/coupons.js";
import { customerRoutes } from "./resources/customers.js";
import { eventRoutes } from "./resources/events.js";
import { paymentRoutes } from "./resources/payments.js";
import { promotionCodeRoutes } from "./resources/promotionCodes.js";
import { webhookEndpointRoutes } from "./resources/webhookEndpoints.js";
import { API_VERSION } from "./state.js";

export const routes: Route[] = [
  ...couponRoutes,
  ...promotionCodeRoutes,
  ...customerRoutes,
  ...billingRoutes,
  ...checkoutSessionRoutes,
  ...paymentRoutes,
  ...webhookEndpointRoutes,
  ...eventRoutes,
];

const MAX_BODY = 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY) throw new BodyTooLarge("Request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON request bodies are accepted too (values are stringified like form values). */
function jsonToForm(value: unknown): FormValue {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(jsonToForm);
  if (typeof value === "object") {
    const out: FormObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonToForm(v);
    return out;
  }
  return String(value);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text).toString(),
    "cache-control": "no-cache, no-store",
    ...headers,
  });
  res.end(text);
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (m) return m[1].trim();
  const basic = /^Basic\s+(.+)$/i.exec(header.trim());
  if (basic) return Buffer.from(basic[1], "base64").toString("utf8").split(":")[0];
  return header.trim();
}

async function handleApi(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const version = req.headers["stripe-version"];
  const headers = {
    "request-id": requestId,
    "stripe-version": typeof version === "string" ? version : API_VERSION,
  };
  const raw = await readBody(req);
  if ((await emulator.gate.at("before")) === "drop") {
    req.socket.destroy();
    return;
  }
  const account = emulator.account(bearer(req));
  const contentType = req.headers["content-type"] ?? "";
  let body: FormObject = {};
  if (raw.length > 0) {
    if (contentType.includes("application/json")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw invalidRequest("Invalid JSON body.");
      }
      const form = jsonToForm(parsed);
      body = typeof form === "object" && !Array.isArray(form) ? form : {};
    } else {
      body = parseForm(raw);
    }
  }
  const params: FormObject = { ...parseForm(url.search.replace(/^\?/, "")), ...body };
  const path = url.pathname.replace(/\/+$/, "");

  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m || route.method !== method) continue;

    const idemKey = method === "POST" ? req.headers["idempotency-key"] : undefined;
    const fingerprint = `${method} ${path} ${raw}`;
    if (typeof idemKey === "string" && idemKey.length > 0) {
      const cached = account.idempotency.get(idemKey);
      if (!cached && account.idempotencyInFlight.has(idemKey)) {
        // Stripe: 409 idempotency_error while the first request with this key is still running.
        send(
          res,
          409,
          {
            error: {
              type: "idempotency_error",
              message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idemKey}. Please try again later.`,
            },
          },
          headers,
        );
        return;
      }
      if (cached) {
        if ((await emulator.gate.at("after")) === "drop") {
          req.socket.destroy();
          return;
        }
        if (cached.fingerprint !== fingerprint) {
          send(
            res,
            400,
            {
              error: {
                type: "idempotency_error",
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
              },
            },
            { ...headers, "idempotent-replayed": "false" },
          );
          return;
        }
        res.writeHead(cached.status, {
          "content-type": "application/json",
          "idempotent-replayed": "true",
          ...headers,
        });
        res.end(cached.body);
        return;
      }
    }

    const pathParams = m.slice(1).map((s) => decodeURIComponent(s));
    let status = 200;
    let result: unknown;
    const keyed = typeof idemKey === "string" && idemKey.length > 0;
    if (keyed) account.idempotencyInFlight.add(idemKey);
    try {
      const expand = new Params(params, null).expand();
      result = await route.handler({ emulator, account, method, path, pathParams, params, expand });
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      status = err.status;
      result = err.toJSON();
    } finally {
      if (keyed) account.idempotencyInFlight.delete(idemKey);
    }
    if (keyed && status < 500) {
      account.idempotency.set(idemKey, {
        status,
        body: JSON.stringify(result, null, 2),
        fingerprint,
      });
    }
    // Paused "after": Stripe acted, the answer is held (or lost).
    if ((await emulator.gate.at("after")) === "drop") {
      req.socket.destroy();
      return;
    }
    send(res, status, result, {
      ...headers,
      ...(idemKey ? { "idempotency-key": String(idemKey) } : {}),
    });
    return;
  }
  throw unrecognizedUrl(method, path);
}

async function handleControlRequest(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const raw = await readBody(req);
  let body: unknown = undefined;
  if (raw.trim().length > 0) {
    try {
      body = JSON.parse(raw);
    } catch {
      send(res, 400, { error: { type: "invalid_request_error", message: "Invalid JSON body." } });
      return;
    }
  }
  const out = await handleControl(
    emulator,
    (req.method ?? "GET").toUpperCase(),
    url.pathname,
    url.searchParams,
    body,
  );
  send(res, out.status, out.body);
}

export interface ServerOptions {
  /** Called once per API request (method, path, status) — e.g. for a dev log. */
  log?: (line: string) => void;
}

/** The HTTP front of the emulator: Stripe's `/v1/...` API plus the `/_emulator/...` control API. */
export function createEmulatorServer(emulator: Emulator, opts: ServerOptions = {}): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const requestId = newId("req", 14);
    const work = url.pathname.startsWith("/_emulator")
      ? handleControlRequest(emulator, req, res, url)
      : handleApi(emulator, req, res, url, requestId);
    work
      .catch((err: unknown) => {
        if (res.headersSent) return;
        if (err instanceof StripeApiError) {
          send(res, err.status, err.toJSON(), { "request-id": requestId });
        } else if (err instanceof BodyTooLarge) {
          send(res, 413, { error: { type: "invalid_request_error", message: err.message } });
        } else {
          const message = err instanceof Error ? err.message : String(err);
          send(res, 500, { error: { type: "api_error", message: `Emulator error: ${message}` } });
        }
      })
      .finally(() => opts.log?.(`${req.method ?? "GET"} ${url.pathname} -> ${res.statusCode}`));
  });
}
