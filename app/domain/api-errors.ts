/**
 * The REST API v1 error contract (DESIGN.md section 7): the error types, one HTTP status per type,
 * and the body `{type, message, param?}` that use-cases return on failure and the API sends.
 * Pure: the API layer (app/api/errors.ts) builds responses from it.
 */
export const API_ERROR_STATUS = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  plan_required: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  stripe_error: 502,
  /** The database is unavailable (e.g. restarting): retry after `Retry-After` seconds. */
  service_unavailable: 503,
  /** Not part of the contract's list: an unexpected server fault (a bug); details are logged. */
  api_error: 500,
} as const;

export type ApiErrorType = keyof typeof API_ERROR_STATUS;

export const API_ERROR_TYPES = Object.keys(API_ERROR_STATUS) as ApiErrorType[];

/** What services return on failure (`{ ok: false, error }`) and what the API sends. */
export interface ApiErrorBody {
  type: ApiErrorType;
  message: string;
  /** The offending request field, snake_case and dotted as sent (`commission.percent`). */
  param?: string;
}
