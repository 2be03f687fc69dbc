/**
 * A response as plain data, so the Remix route modules and the hot-path listener in front of
 * express (app/http/hot-paths.server.ts) send exactly the same thing from one implementation.
 *
 * Header names are lowercase and sorted, the order a web `Headers` object iterates in (which is the
 * order Remix's express adapter writes them in).
 */

export interface HttpReply {
  status: number;
  /** [name, value] pairs, lowercase names; a name may repeat (Set-Cookie). */
  headers: [string, string][];
  body: string | null;
}

export function reply(
  status: number,
  headers: Record<string, string | string[]>,
  body: string | null,
): HttpReply {
  const list: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) list.push([name.toLowerCase(), v]);
  }
  list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { status, headers: list, body };
}

/**
 * `Response.json(body, { status, headers })`, as data. The charset is spelled out because express
 * adds it to `application/json` when Remix's adapter sets the header: both paths send the same.
 */
export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpReply {
  return reply(
    status,
    { "Content-Type": "application/json; charset=utf-8", ...headers },
    JSON.stringify(body),
  );
}

/** The reply as a web Response (what a Remix loader/action returns). */
export function toResponse(r: HttpReply): Response {
  const headers = new Headers();
  for (const [name, value] of r.headers) headers.append(name, value);
  return new Response(r.body, { status: r.status, headers });
}
