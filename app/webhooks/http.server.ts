import http from "node:http";
import https from "node:https";
import { guardedLookup, webhookAgent } from "./ssrf.server";

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Read at most this much of a response body; the rest is discarded unread. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4096;
/** Stored in the delivery log. */
export const RESPONSE_SNIPPET_BYTES = 1024;

export interface PostResult {
  statusCode: number | null;
  retryAfter: string | null;
  /** Up to `maxResponseBytes` of the body, decoded as UTF-8. */
  body: string;
  /** Transport problem (timeout, reset, refused, SSRF block); null when a full response arrived. */
  error: string | null;
  latencyMs: number;
}

export interface PostOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  allowPrivate: boolean;
}

/**
 * POST one webhook. The whole exchange (connect, headers, body up to the cap) must finish within
 * `timeoutMs`; redirects are never followed (node:http does not follow them). Never throws.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<PostResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const started = performance.now();
  return new Promise<PostResult>((resolve) => {
    let statusCode: number | null = null;
    let retryAfter: string | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        statusCode,
        retryAfter,
        body: Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8"),
        error,
        latencyMs: Math.round(performance.now() - started),
      });
    };

    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish("Invalid URL");
      return;
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      finish(`Unsupported protocol ${target.protocol}`);
      return;
    }
    const client = target.protocol === "https:" ? https : http;
    const req = client.request(target, {
      method: "POST",
      agent: webhookAgent(target.protocol, opts.allowPrivate),
      lookup: opts.allowPrivate ? undefined : (guardedLookup as never),
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": "Rekomi-Webhooks/1.0",
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      const phase = statusCode === null ? "waiting for a response" : "reading the response body";
      finish(`Timed out after ${timeoutMs} ms ${phase}`);
      req.destroy();
    }, timeoutMs);

    req.on("response", (res) => {
      statusCode = res.statusCode ?? null;
      const ra = res.headers["retry-after"];
      retryAfter = Array.isArray(ra) ? (ra[0] ?? null) : (ra ?? null);
      res.on("data", (chunk: Buffer) => {
        if (settled) return;
        chunks.push(chunk);
        received += chunk.length;
        if (received >= maxBytes) {
          // Enough to judge and log; drop the rest instead of buffering an unbounded body.
          finish(null);
          res.destroy();
        }
      });
      res.on("end", () => finish(null));
      res.on("error", (e) => finish(describeError(e)));
      res.on("aborted", () => finish("Connection closed while reading the response body"));
    });
    req.on("error", (e) => finish(describeError(e)));
    req.end(body);
  });
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNRESET") return "Connection reset by the receiver";
  if (code === "ECONNREFUSED") return "Connection refused";
  if (code === "ENOTFOUND") return "Host name could not be resolved";
  const message = error.message || String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** First `RESPONSE_SNIPPET_BYTES` bytes of the body, cut on a character boundary. */
export function responseSnippet(body: string): string | null {
  if (body === "") return null;
  const bytes = Buffer.from(body, "utf8");
  if (bytes.length <= RESPONSE_SNIPPET_BYTES) return body;
  let text = bytes.subarray(0, RESPONSE_SNIPPET_BYTES).toString("utf8");
  // a split multi-byte character decodes to U+FFFD (3 bytes); drop it to stay within the cap
  while (Buffer.byteLength(text) > RESPONSE_SNIPPET_BYTES || text.endsWith("\uFFFD"))
    text = text.slice(0, -1);
  return text;
}
