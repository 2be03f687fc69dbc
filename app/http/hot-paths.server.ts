/**
 * The two hottest endpoints, answered in front of express and Remix (issue 9: Remix's route
 * matching cost several ms of CPU per request, express's own request set-up and routing another
 * ~0.2 ms): `GET|HEAD /r/{code}` and `POST /webhooks/stripe/{brandId}`. server.ts installs
 * `hotPathListener` as the HTTP server's request listener, with the express app behind it.
 *
 * Same implementation and same bytes as the Remix route modules (app/http/referral.server.ts,
 * app/http/stripe-webhook.server.ts): the reply is built by the same function, and sent through the
 * very middleware instances the express app uses (compression, security headers), the way
 * @remix-run/express writes a Response (status, headers appended in `Headers` order, body written,
 * then end). A 302 without body skips compression, which never touches a response without a
 * Content-Type.
 *
 * Everything else goes to express (after the per-route body limit, app/http/body-limit.server.ts):
 * other paths and methods, Remix `.data` requests,
 * paths in another letter case (Remix matches them, but the CSRF middleware treats them
 * differently), malformed escapes (express answers those), and a referral visit whose database
 * work failed (the Remix route then answers, with its own error handling).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Request, RequestHandler, Response } from "express";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { readNodeBodyWithLimit } from "~/stripe/raw-body.server";
import { guardBody } from "./body-limit.server";
import { referralReply } from "./referral.server";
import type { HttpReply } from "./reply.server";
import {
  MAX_WEBHOOK_BODY_BYTES,
  stripeWebhookReply,
  webhookTooLarge,
} from "./stripe-webhook.server";

export interface HotPathDeps {
  db: DB;
  config: Config;
  /** The compression middleware instance the express app uses. */
  compression: RequestHandler;
  /** The security-header middleware instance the express app uses (it only sets headers). */
  security: RequestHandler;
}

const REFERRAL_PATH = /^\/r\/([^/]+)\/?$/;
const WEBHOOK_PATH = /^\/webhooks\/stripe\/([^/]+)\/?$/;

/** The node request listener: the hot paths here, everything else to `app` (the express app). */
export function hotPathListener(app: RequestListener, deps: HotPathDeps): RequestListener {
  return (req, res) => {
    const method = req.method;
    if (method === "GET" || method === "HEAD") {
      const code = pathParam(req, "/r/", REFERRAL_PATH);
      if (code !== null) return serveReferral(app, deps, req, res, code);
    } else if (method === "POST") {
      const brandId = pathParam(req, "/webhooks/stripe/", WEBHOOK_PATH);
      if (brandId !== null) return serveStripeWebhook(deps, req, res, brandId);
    }
    // Every other route: its body limit before anything parses the body (body-limit.server.ts).
    if (guardBody(req, res)) app(req, res);
  };
}

/** The decoded path parameter of an origin-form URL matching `pattern`, else null (not ours). */
function pathParam(req: IncomingMessage, prefix: string, pattern: RegExp): string | null {
  const url = req.url ?? "";
  if (!url.startsWith(prefix)) return null;
  const q = url.indexOf("?");
  const match = pattern.exec(q === -1 ? url : url.slice(0, q));
  if (!match || match[1].endsWith(".data")) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

function serveReferral(
  app: RequestListener,
  deps: HotPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  code: string,
): void {
  referralReply(deps.db, deps.config, {
    code,
    method: req.method ?? "GET",
    userAgent: req.headers["user-agent"] ?? null,
    referrer: req.headers.referer ?? null,
    ip: req.socket.remoteAddress ?? "unknown",
  }).then(
    (reply) => send(deps, req, res, reply),
    // A database failure: the Remix route answers it (same implementation, its error page).
    () => app(req, res),
  );
}

function serveStripeWebhook(
  deps: HotPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  brandId: string,
): void {
  readNodeBodyWithLimit(req, MAX_WEBHOOK_BODY_BYTES).then(
    async (rawBody) => {
      const reply =
        rawBody === null
          ? webhookTooLarge()
          : await stripeWebhookReply(deps.db, deps.config, {
              brandId,
              rawBody,
              signature: headerValue(req.headers["stripe-signature"]),
            });
      send(deps, req, res, reply);
    },
    // The client went away mid-body: nobody to answer.
    () => res.destroy(),
  );
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Send like express + compression + security headers + @remix-run/express would. */
function send(
  deps: HotPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  reply: HttpReply,
): void {
  const write = () => {
    deps.security(req as Request, res as Response, () => {});
    res.statusCode = reply.status;
    const headers = new Map<string, string[]>();
    for (const [name, value] of reply.headers)
      headers.set(name, [...(headers.get(name) ?? []), value]);
    for (const [name, values] of headers)
      res.setHeader(name, values.length === 1 ? values[0] : values);
    if (reply.body === null) {
      // Head first, then end: the framing express produces for an empty Remix body.
      res.writeHead(reply.status);
    } else {
      res.write(reply.body);
    }
    res.end();
  };
  if (reply.body === null) write();
  else deps.compression(req as Request, res as Response, write);
}
