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

/**
 * Read a request body as UTF-8 text, refusing more than `limit` bytes: a declared Content-Length
 * over the limit is refused before reading, and the stream is counted while it arrives (a lying
 * or missing Content-Length, chunked encoding) and refused as soon as it passes the limit.
 */
export async function readBodyWithLimit(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    if (request.body) discardRest(request.body.getReader(), 0);
    throw new BodyTooLargeError(limit);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      discardRest(reader, total);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): void {
  void (async () => {
    let seen = alreadyRead;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        seen += value.byteLength;
        if (seen > DISCARD_LIMIT) return await reader.cancel();
      }
    } catch {
      // The client went away; nothing to clean up.
    }
  })();
}
