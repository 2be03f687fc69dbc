/**
 * Plumbing shared by the session-auth JSON resource routes: the brand guard as JSON (401/404
 * instead of redirects), the CSRF header check, JSON body parsing and the error body
 * `{"error":{"type","message","param"?}}` with the status DESIGN.md section 7 gives each type.
 */
import type { AppContext } from "~/context.server";
import { csrfHeaderValid, CSRF_HEADER } from "~/auth/csrf-header.server";
import { type BrandUser, requireBrandUser } from "~/auth/guards.server";
import { COUPON_ERROR_STATUS, type CouponError } from "~/domain/coupon";
import {
  findTextProblem,
  jsonTooDeep,
  MAX_JSON_DEPTH,
  textProblemMessage,
} from "~/domain/text-hygiene";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";

export type JsonErrorType = CouponError["type"] | "authentication" | "permission";

const STATUS: Record<JsonErrorType, number> = {
  ...COUPON_ERROR_STATUS,
  authentication: 401,
  permission: 403,
};

export function jsonError(type: JsonErrorType, message: string, param?: string): Response {
  return Response.json(
    { error: param === undefined ? { type, message } : { type, message, param } },
    { status: STATUS[type] },
  );
}

export function couponErrorResponse(error: CouponError): Response {
  return jsonError(error.type, error.message, error.param);
}

/** The signed-in brand user, or a thrown JSON 401/404 (never a redirect to the login page). */
export async function requireBrandUserJson(request: Request, ctx: AppContext): Promise<BrandUser> {
  try {
    return await requireBrandUser(request, ctx);
  } catch (thrown) {
    if (thrown instanceof Response) {
      if (thrown.status >= 300 && thrown.status < 400) {
        throw jsonError("authentication", "Sign in as a brand user to use this endpoint.");
      }
      throw jsonError("not_found", "Not found.");
    }
    throw thrown;
  }
}

const MAX_BODY = 64 * 1024;

/** A state-changing JSON request: checks the X-CSRF-Token header, then parses the JSON body. */
export async function readJsonMutation(request: Request): Promise<unknown> {
  if (!csrfHeaderValid(request)) {
    throw jsonError(
      "permission",
      `Missing or wrong ${CSRF_HEADER} header. Reload the page and try again.`,
    );
  }
  if (!/^application\/json\b/i.test(request.headers.get("Content-Type") ?? "")) {
    throw jsonError("invalid_request", "Send a JSON body with Content-Type: application/json.");
  }
  let text: string;
  try {
    text = await readBodyWithLimit(request, MAX_BODY);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw Response.json(
        { error: { type: "invalid_request", message: "The request body is larger than 64 KB." } },
        { status: 413 },
      );
    throw error;
  }
  if (jsonTooDeep(text))
    throw jsonError(
      "invalid_request",
      `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw jsonError("invalid_request", "The request body is not valid JSON.");
  }
  const found = findTextProblem(value);
  if (found) {
    const param = found.path.map(String).join(".") || undefined;
    throw jsonError("invalid_request", textProblemMessage(found.problem), param);
  }
  return value;
}

export function methodNotAllowed(allow: string): Response {
  return Response.json(
    { error: { type: "invalid_request", message: `Use ${allow}.` } },
    { status: 405, headers: { Allow: allow } },
  );
}
