import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { textProblem, textProblemMessage } from "~/domain/text-hygiene";
import { FORM_BODY_LIMIT } from "~/http/body-limit.server";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";

/**
 * CSRF protection: double-submit token. The server sets a random token in an HttpOnly,
 * SameSite=Lax cookie (see server.ts) and renders the same token in every form (`<CsrfInput />`);
 * every state-changing action checks the two match. Another site can neither read the cookie nor
 * guess the token, so it cannot forge the field.
 */
/** The cookie name `requireCsrfForm` reads: server.ts puts the checked token there (see below). */
export const CSRF_COOKIE = "__rekomi_csrf";
export const CSRF_FIELD = "_csrf";

/**
 * The name the browser stores the token under. On https it carries the `__Host-` prefix, so the
 * browser only accepts it from this host, with Secure, Path=/ and no Domain: a sibling subdomain
 * cannot plant one.
 */
export function csrfCookieName(secure: boolean): string {
  return secure ? "__Host-rekomi_csrf" : CSRF_COOKIE;
}

const NONCE_BYTES = 16;
const MAC_BYTES = 16;

function macFor(nonce: Buffer, sessionId: string, secret: string): Buffer {
  return createHmac("sha256", secret)
    .update(`rekomi-csrf|${sessionId}|`)
    .update(nonce)
    .digest()
    .subarray(0, MAC_BYTES);
}

/**
 * A token bound to one session (`""` before sign-in): a random nonce and an HMAC of it with the
 * session id, 43 base64url characters. A token from another session, or one an attacker made up or
 * planted, does not verify, so server.ts replaces it before any action sees it.
 */
export function mintCsrfToken(sessionId: string, secret: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  return Buffer.concat([nonce, macFor(nonce, sessionId, secret)]).toString("base64url");
}

export function csrfTokenFitsSession(token: string, sessionId: string, secret: string): boolean {
  const raw = Buffer.from(token, "base64url");
  if (raw.length !== NONCE_BYTES + MAC_BYTES) return false;
  const expected = macFor(raw.subarray(0, NONCE_BYTES), sessionId, secret);
  return timingSafeEqual(raw.subarray(NONCE_BYTES), expected);
}

export function readCsrfCookie(
  cookieHeader: string | null | undefined,
  name: string = CSRF_COOKIE,
): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      const value = rest.join("=");
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function csrfSetCookie(token: string, secure: boolean): string {
  return `${csrfCookieName(secure)}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function tokensMatch(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class CsrfError extends Response {}

/** Read the form and verify its CSRF token; throws a 403 Response when it is missing or wrong. */
export async function requireCsrfForm(request: Request): Promise<FormData> {
  // A body that is not a form (missing or other Content-Type, malformed multipart) carries no
  // token: the same 403, not an exception (a 500).
  // Read at most the forms' limit (app/http/body-limit.server.ts enforces it in front of Remix too).
  let raw: string;
  try {
    raw = await readBodyWithLimit(request, FORM_BODY_LIMIT);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    throw new Response(`The request body is larger than ${FORM_BODY_LIMIT / 1024} KB.`, {
      status: 413,
      statusText: "Payload Too Large",
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  const form = await new Request(request.url, {
    method: "POST",
    headers: request.headers,
    body: raw,
  })
    .formData()
    .catch(() => new FormData());
  const cookieToken = readCsrfCookie(request.headers.get("Cookie"));
  const fieldToken = form.get(CSRF_FIELD);
  if (!cookieToken || typeof fieldToken !== "string" || !tokensMatch(cookieToken, fieldToken)) {
    throw new Response(
      "This form expired or was sent from another site. Reload the page and try again.",
      {
        status: 403,
        statusText: "Forbidden",
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      },
    );
  }
  rejectBadFormText(form);
  return form;
}

/**
 * Every form goes through requireCsrfForm, so this is the forms' input-hygiene layer (issue 15):
 * a field holding NUL or an unpaired surrogate is a 400 naming the field, before any service runs.
 */
function rejectBadFormText(form: FormData): void {
  for (const [name, value] of form.entries()) {
    const problem = textProblem(name) ?? (typeof value === "string" ? textProblem(value) : null);
    if (problem) {
      const subject = textProblem(name) ? "A field name" : `The field “${name}”`;
      const what = textProblemMessage(problem).replace(/^Contains/, "contains");
      throw new Response(`${subject} ${what} Remove it and try again.`, {
        status: 400,
        statusText: "Bad Request",
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
  }
}
