/**
 * The ONE request body reader, for a web `Request` (Remix routes, the API) and for a node
 * `IncomingMessage` (the webhook hot path, app/http/hot-paths.server.ts): UTF-8 text, at most
 * `limit` bytes. A declared Content-Length over the limit is refused before reading; the stream
 * is counted while it arrives (a lying or missing Content-Length, chunked encoding) and refused as
 * soon as it passes the limit.
 */
import type { IncomingMessage } from "node:http";

/** Raised when a request body is larger than allowed (declared or actually sent). */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * After a refusal, the rest of an oversized body is read and thrown away (never buffered) so the
 * client gets the 413 instead of a reset connection. Past this many bytes the connection is cut.
 */
const DISCARD_LIMIT = 16 * 1024 * 1024;

type Chunks = AsyncIterator<Uint8Array, unknown>;

/** The body's text, or null when it is larger than `limit` (the rest is then discarded). */
async function readLimited(declared: string | null, chunks: Chunks, limit: number) {
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    discardRest(chunks, 0);
    return null;
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await chunks.next();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      discardRest(chunks, total);
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total).toString("utf8");
}

function discardRest(chunks: Chunks, alreadyRead: number): void {
  void (async () => {
    let seen = alreadyRead;
    try {
      for (;;) {
        const { done, value } = await chunks.next();
        if (done) return;
        seen += value.byteLength;
        if (seen > DISCARD_LIMIT) return void (await chunks.return?.());
      }
    } catch {
      // The client went away; nothing to clean up.
    }
  })();
}

/** A web stream's chunks; `return` cancels the stream. */
function webChunks(body: ReadableStream<Uint8Array>): Chunks {
  const reader = body.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async () => {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/** A web `Request`'s body as text; throws `BodyTooLargeError` past `limit`. */
export async function readBodyWithLimit(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("Content-Length");
  const chunks: Chunks = request.body
    ? webChunks(request.body)
    : { next: async () => ({ done: true, value: undefined }) };
  const text = await readLimited(declared, chunks, limit);
  if (text === null) throw new BodyTooLargeError(limit);
  return text;
}

/**
 * A node request's body as text, or null past `limit`. Rejects when the client goes away before
 * the body was read (`return` of a node stream's iterator destroys it).
 */
export function readNodeBodyWithLimit(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = req.headers["content-length"] ?? null;
  return readLimited(declared, req[Symbol.asyncIterator]() as Chunks, limit);
}
