/**
 * The REST API v1 error contract (DESIGN.md section 7): `{"error":{"type","message","param"?}}`,
 * one HTTP status per type. Pure: no I/O, usable by services that return typed results.
 */
import type { z } from "zod";

import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorType } from "~/domain/api-errors";

export {
  API_ERROR_STATUS,
  API_ERROR_TYPES,
  type ApiErrorBody,
  type ApiErrorType,
} from "~/domain/api-errors";

/** Throw this from a handler (or anything it calls) to answer with the error shape. */
export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;
  /** A status other than the type's (413 for an oversized body, still `invalid_request`). */
  readonly statusOverride: number | undefined;

  constructor(
    type: ApiErrorType,
    message: string,
    param?: string,
    headers: Record<string, string> = {},
    statusOverride?: number,
  ) {
    super(message);
    this.name = "ApiError";
    this.type = type;
    this.param = param;
    this.headers = headers;
    this.statusOverride = statusOverride;
  }

  get status(): number {
    return this.statusOverride ?? API_ERROR_STATUS[this.type];
  }

  toJSON(): { error: ApiErrorBody } {
    return { error: errorBody(this.type, this.message, this.param) };
  }

  static from(error: { type: string; message: string; param?: string | null }): ApiError {
    const type = (
      Object.hasOwn(API_ERROR_STATUS, error.type) ? error.type : "api_error"
    ) as ApiErrorType;
    return new ApiError(type, error.message, error.param ?? undefined);
  }
}

export function errorBody(type: ApiErrorType, message: string, param?: string): ApiErrorBody {
  return param === undefined ? { type, message } : { type, message, param };
}

/** `campaignId` -> `campaign_id` (service field names -> API field names). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A zod issue path as the client wrote it: `commission.percent`, `events[0]`. */
export function paramOf(path: readonly PropertyKey[]): string | undefined {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out ? "." : "") + snakeCase(String(seg));
  }
  return out || undefined;
}

/** The first issue of a zod error as an `invalid_request` naming the offending param. */
export function fromZodError(error: z.ZodError, prefix: readonly PropertyKey[] = []): ApiError {
  const issue = error.issues[0];
  if (!issue) return new ApiError("invalid_request", "Invalid request.");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    return new ApiError(
      "invalid_request",
      `Unknown parameter: ${paramOf([...prefix, ...issue.path, key])}.`,
      paramOf([...prefix, ...issue.path, key]),
    );
  }
  const param = paramOf([...prefix, ...issue.path]);
  let message = issue.message;
  if (issue.code === "invalid_type" && /received undefined/i.test(message)) {
    message = `Missing required parameter: ${param}.`;
  }
  return new ApiError("invalid_request", message, param);
}

/** `{ campaignId: "Unknown campaign." }` (a service's field errors) -> invalid_request. */
export function fromFieldErrors(fieldErrors: Partial<Record<string, string>>): ApiError {
  const [field, message] = Object.entries(fieldErrors).find(([, m]) => m !== undefined) ?? [];
  if (!field) return new ApiError("invalid_request", "Invalid request.");
  return new ApiError(
    "invalid_request",
    message ?? "Invalid value.",
    field === "form" ? undefined : snakeCase(field),
  );
}

type Failure = { ok: false; error: { type: string; message: string; param?: string | null } };

/**
 * Narrow a typed service result, throwing its error as an ApiError:
 * `const r = await createThing(db, ...); assertOk(r); r.thing` .
 */
export function assertOk<T extends { ok: boolean }>(
  result: T,
): asserts result is Exclude<T, { ok: false }> {
  if (!result.ok) throw ApiError.from((result as unknown as Failure).error);
}

export function notFound(what = "Resource"): ApiError {
  return new ApiError("not_found", `${what} not found.`);
}
