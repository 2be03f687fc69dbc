import { randomBytes, timingSafeEqual } from "node:crypto";
import { textProblem, textProblemMessage } from "~/domain/text-hygiene";
import { FORM_BODY_LIMIT } from "~/http/body-limit.server";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";

/**
 * CSRF protection: double-submit token. The server sets a random token in an HttpOnly,
 * SameSite=Lax cookie (see server.ts) and renders the same token in every form (`<CsrfInput />`);
 * every state-changing action checks the two match. Another site can neither read the cookie nor
 * guess the token, so it cannot forge the field.
 */
export const CSRF_COOKIE = "__rekomi_csrf";
export const CSRF_FIELD = "_csrf";

export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

export function readCsrfCookie(cookieHeader: string | null | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) {
      const value = rest.join("=");
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function csrfSetCookie(token: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
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
