/**
 * A body limit on every route, enforced in front of express and Remix before anything parses the
 * body (issue 15): forms and the session JSON routes 64 KB, the REST API 256 KB, Stripe intake 1 MB
 * (the intake's own hot path enforces that one while reading). Larger bodies get 413 without being
 * buffered: a declared Content-Length over the limit is answered at once (the rest of the body is
 * read and thrown away, and past 64 MB the connection is cut); a body without Content-Length
 * (chunked) is counted as it arrives and refused the moment it passes the limit (unless the route
 * already answered without reading it, e.g. 401: that answer stands, the rest is dropped).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export const FORM_BODY_LIMIT = 64 * 1024;
export const API_BODY_LIMIT = 256 * 1024;
export const INTAKE_BODY_LIMIT = 1024 * 1024;

/** After a refusal, at most this much of the rest is read (and dropped) before the socket is cut. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/** The limit for a request path (query string ignored). */
export function bodyLimitFor(url: string): number {
  const path = url.split("?")[0].toLowerCase();
  if (path.startsWith("/webhooks/stripe/")) return INTAKE_BODY_LIMIT;
  if (path.startsWith("/api/v1/") || path === "/api/v1") return API_BODY_LIMIT;
  return FORM_BODY_LIMIT;
}

function describeLimit(limit: number): string {
  return limit >= 1024 * 1024 ? `${limit / (1024 * 1024)} MB` : `${limit / 1024} KB`;
}

/** The 413 for a path: the API's error shape under /api, the intake's under /webhooks, else text. */
function tooLarge(url: string, limit: number): { type: string; body: string } {
  const message = `The request body is larger than ${describeLimit(limit)}.`;
  const path = url.split("?")[0].toLowerCase();
  if (path.startsWith("/api/"))
    return {
      type: "application/json; charset=utf-8",
      body: JSON.stringify({ error: { type: "invalid_request", message } }),
    };
  if (path.startsWith("/webhooks/"))
    return {
      type: "application/json; charset=utf-8",
      body: JSON.stringify({ error: `Payload too large (limit ${describeLimit(limit)})` }),
    };
  return { type: "text/plain; charset=utf-8", body: message };
}

function send413(req: IncomingMessage, res: ServerResponse, limit: number): void {
  // The app already answered without reading the body (e.g. 401): that answer stands.
  if (res.headersSent) return;
  const { type, body } = tooLarge(req.url ?? "/", limit);
  res.writeHead(413, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
}

/**
 * Guard one request. Returns false when it was answered here (413); true when the app may handle
 * it, in which case a chunked body is still counted while the app reads it.
 */
export function guardBody(req: IncomingMessage, res: ServerResponse): boolean {
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return true;
  const limit = bodyLimitFor(req.url ?? "/");
  // A route that answers without reading its body (401, a redirect) would leave the rest unread and
  // stall the keep-alive connection behind it (the app's abandoned reader keeps the stream paused):
  // once answered, the rest is read and dropped.
  res.once("finish", () => {
    if (req.complete || req.destroyed) return;
    req.removeAllListeners("data");
    req.on("data", () => {});
    req.resume();
  });
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    if (/^\d+$/.test(declared) && Number(declared) > limit) {
      send413(req, res, limit);
      discardRest(req);
      return false;
    }
    // Node's parser stops at the declared length: nothing more can arrive.
    return true;
  }
  if (req.headers["transfer-encoding"] === undefined) return true;
  // Chunked: count every chunk before it reaches the stream's buffer. Past the limit, chunks (and
  // the end of the body) are dropped, so the app never sees a complete body; the 413 goes out, the
  // rest is read and dropped (closing with unread data would reset the connection and lose the
  // 413), and the request is destroyed at its end or past 64 MB, so the app's read fails instead of
  // parsing a truncated body.
  let seen = 0;
  let refused = false;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding) => {
    const size =
      chunk === null || chunk === undefined
        ? 0
        : Buffer.isBuffer(chunk)
          ? chunk.byteLength
          : Buffer.byteLength(String(chunk));
    seen += size;
    if (refused) {
      if (chunk === null || seen > DISCARD_LIMIT) req.destroy();
      return true;
    }
    if (seen > limit) {
      refused = true;
      send413(req, res, limit);
      return true;
    }
    return push(chunk, encoding);
  };
  return true;
}

function discardRest(req: IncomingMessage): void {
  let seen = 0;
  req.on("error", () => {});
  req.on("data", (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (seen > DISCARD_LIMIT) req.destroy();
  });
  req.resume();
}
