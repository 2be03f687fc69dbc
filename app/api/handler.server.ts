import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { Params } from "@remix-run/react";
import type { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { verifyApiKeyAndTakeToken, type VerifiedApiKey } from "~/services/accounts/api-keys.server";
import { BodyTooLargeError, readBodyWithLimit } from "~/stripe/raw-body.server";
import {
  findTextProblem,
  jsonTooDeep,
  MAX_JSON_DEPTH,
  textProblemMessage,
} from "~/domain/text-hygiene";
import { isDatabaseUnavailable } from "~/db/db-errors.server";
import { ApiError, fromZodError, paramOf } from "./errors";
import { claimIdempotencyKey, isReplayable } from "./idempotency.server";
import type { RateDecision } from "~/db/rate-limit.server";

/**
 * `apiRoute({ GET, POST, ... })` turns per-method handlers into a Remix resource route's
 * `{ loader, action }` with everything /api/v1 needs around them, in this order:
 * method check (405 + Allow) -> API key (401) -> rate limit (429 + Retry-After) -> body read
 * (size cap) -> Idempotency-Key on POST (replay / 409) -> handler -> JSON error shape for any
 * thrown ApiError (and 500 `api_error` for bugs). See app/api/README.md.
 */
export const MAX_JSON_BODY_BYTES = 256 * 1024;
/** Retry-After on a 503 while the database is unavailable. */
export const DB_RETRY_AFTER_SECONDS = 5;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiContext {
  request: Request;
  url: URL;
  params: Params;
  db: DB;
  config: Config;
  /** The authenticated key; every query must be scoped to `brandId`. */
  apiKey: VerifiedApiKey;
  brandId: string;
  /** Parse the JSON body with a zod schema; failures throw invalid_request naming the param. */
  body<S extends z.ZodType>(schema: S): z.output<S>;
  /** Parse the query string (first value of each name) with a zod schema. */
  query<S extends z.ZodType>(schema: S): z.output<S>;
}

export type PublicApiContext = Omit<ApiContext, "apiKey" | "brandId">;

export type ApiHandler = (ctx: ApiContext) => Promise<Response> | Response;
export type PublicApiHandler = (ctx: PublicApiContext) => Promise<Response> | Response;

type Handlers<H> = Partial<Record<HttpMethod, H>>;

type RemixArgs = LoaderFunctionArgs | ActionFunctionArgs;

export interface ApiRoute {
  loader: (args: LoaderFunctionArgs) => Promise<Response>;
  action: (args: ActionFunctionArgs) => Promise<Response>;
}

/** An authenticated /api/v1 route. Export the result: `export const { loader, action } = apiRoute({...})`. */
export function apiRoute(handlers: Handlers<ApiHandler>): ApiRoute {
  const run = (args: RemixArgs) => handle(args, handlers, true);
  return { loader: run, action: run };
}

/** A route that needs no API key (only `GET /openapi.json`). */
export function publicApiRoute(handlers: Handlers<PublicApiHandler>): ApiRoute {
  const run = (args: RemixArgs) => handle(args, handlers as Handlers<ApiHandler>, false);
  return { loader: run, action: run };
}

// ---------------------------------------------------------------- responses

const BASE_HEADERS = { "Cache-Control": "no-store" } as const;

/** A JSON response (200 unless told). */
export function apiJson(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...BASE_HEADERS, ...headers },
  });
}

/**
 * A JSON response typed (and, outside production, checked) against the response schema the
 * OpenAPI document publishes, so the document and the wire cannot drift apart.
 */
export function respond<S extends z.ZodType>(
  schema: S,
  body: z.output<S>,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  if (process.env.NODE_ENV !== "production") {
    const checked = schema.safeParse(body);
    if (!checked.success) {
      throw new Error(
        `Response does not match its schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`,
      );
    }
  }
  return apiJson(body, status, headers);
}

export function errorResponse(error: ApiError): Response {
  return apiJson(error.toJSON(), error.status, error.headers);
}

// ---------------------------------------------------------------- the pipeline

async function handle(
  args: RemixArgs,
  handlers: Handlers<ApiHandler>,
  authenticated: boolean,
): Promise<Response> {
  const { request, params, context } = args;
  const method = (request.method === "HEAD" ? "GET" : request.method.toUpperCase()) as HttpMethod;
  const allowed = Object.keys(handlers) as HttpMethod[];
  const handler = handlers[method];
  let rate: RateDecision | undefined;
  try {
    if (!handler) {
      throw new ApiError(
        "invalid_request",
        `${request.method} is not allowed on this path. Allowed: ${allowed.join(", ")}.`,
        undefined,
        { Allow: allowed.join(", ") },
      );
    }

    let apiKey: VerifiedApiKey | undefined;
    if (authenticated) {
      // Key check, last_used_at and the rate-limit token: one statement, one round trip.
      ({ key: apiKey, rate } = await authenticate(context.db, request));
      if (!rate.allowed) {
        throw new ApiError(
          "rate_limited",
          `Too many requests with this API key. Retry after ${rate.retryAfterSeconds} s.`,
          undefined,
          { "Retry-After": String(rate.retryAfterSeconds) },
        );
      }
    }

    const rawBody = method === "GET" ? "" : await readBody(request);
    const url = new URL(request.url);
    const ctx: ApiContext = {
      request,
      url,
      params,
      db: context.db,
      config: context.config,
      apiKey: apiKey!,
      brandId: apiKey?.brandId ?? "",
      body: (schema) => parseBody(rawBody, schema),
      query: (schema) => parseQuery(url, schema),
    };

    const idemKey = request.headers.get("Idempotency-Key");
    if (method === "POST" && idemKey !== null && apiKey) {
      return withRate(await runIdempotent(handler, ctx, apiKey, idemKey, rawBody), rate);
    }

    return withRate(await runHandler(handler, ctx), rate);
  } catch (error) {
    return errorToResponse(error, request, Boolean(handler), rate);
  }
}

/**
 * A POST with an Idempotency-Key: the stored first response when the key was used for the same
 * request, otherwise the handler's response, stored when replayable (the key is released when
 * not, or when the handler throws).
 */
async function runIdempotent(
  handler: ApiHandler,
  ctx: ApiContext,
  apiKey: VerifiedApiKey,
  idemKey: string,
  rawBody: string,
): Promise<Response> {
  const claim = await claimIdempotencyKey(ctx.db, {
    apiKeyId: apiKey.id,
    key: idemKey,
    method: "POST",
    path: ctx.url.pathname + ctx.url.search,
    rawBody,
  });
  if (claim.kind === "replay") {
    return new Response(claim.response.body, {
      status: claim.response.status,
      headers: {
        "Content-Type": claim.response.contentType,
        ...BASE_HEADERS,
        "Idempotent-Replayed": "true",
      },
    });
  }
  let response: Response;
  try {
    response = await runHandler(handler, ctx);
  } catch (error) {
    await claim.release();
    throw error;
  }
  if (isReplayable(response.status)) {
    await claim.complete({
      status: response.status,
      body: await response.clone().text(),
      contentType: response.headers.get("Content-Type") ?? "application/json; charset=utf-8",
    });
  } else {
    await claim.release();
  }
  return response;
}

/** A thrown error as the API's JSON error response (405 for a method without a handler). */
function errorToResponse(
  error: unknown,
  request: Request,
  hasHandler: boolean,
  rate: RateDecision | undefined,
): Response {
  if (error instanceof ApiError) {
    // 405 keeps its own status; everything else follows the type -> status map.
    const response = errorResponse(error);
    if (!hasHandler) {
      return withRate(
        new Response(response.body, { status: 405, headers: response.headers }),
        rate,
      );
    }
    return withRate(response, rate);
  }
  if (isDatabaseUnavailable(error)) {
    console.error(`[api] ${request.method} ${new URL(request.url).pathname}: database unavailable`);
    return errorResponse(
      new ApiError(
        "service_unavailable",
        "The service is briefly unavailable. Retry after a few seconds.",
        undefined,
        { "Retry-After": String(DB_RETRY_AFTER_SECONDS) },
      ),
    );
  }
  console.error(`[api] ${request.method} ${new URL(request.url).pathname} failed:`, error);
  return errorResponse(
    new ApiError("api_error", "Something went wrong on our side. Try again later."),
  );
}

async function runHandler(handler: ApiHandler, ctx: ApiContext): Promise<Response> {
  try {
    return await handler(ctx);
  } catch (error) {
    // Remix-style `throw new Response(...)` from shared guards passes through untouched; an
    // ApiError becomes its response here so that Idempotency-Key can store the outcome.
    if (error instanceof Response) return error;
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
}

function withRate(response: Response, rate: RateDecision | undefined): Response {
  if (rate) {
    response.headers.set("X-RateLimit-Remaining", String(rate.remaining));
  }
  return response;
}

// ---------------------------------------------------------------- auth

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `Authorization: Bearer rk_live_...` -> the key and its rate-limit decision (a token taken), else
 * 401 `authentication` (no token taken).
 */
export async function authenticate(
  db: DB,
  request: Request,
): Promise<{ key: VerifiedApiKey; rate: RateDecision }> {
  const header = request.headers.get("Authorization");
  const challenge = { "WWW-Authenticate": 'Bearer realm="rekomi"' };
  if (!header) {
    throw new ApiError(
      "authentication",
      "No API key provided. Send it as `Authorization: Bearer rk_live_...`.",
      undefined,
      challenge,
    );
  }
  const match = BEARER.exec(header);
  if (!match) {
    throw new ApiError(
      "authentication",
      "Malformed Authorization header. Use `Authorization: Bearer rk_live_...`.",
      undefined,
      challenge,
    );
  }
  const key = await verifyApiKeyAndTakeToken(db, match[1]);
  if (!key) {
    throw new ApiError(
      "authentication",
      "Invalid API key: it is unknown, malformed or revoked.",
      undefined,
      challenge,
    );
  }
  return key;
}

// ---------------------------------------------------------------- input

async function readBody(request: Request): Promise<string> {
  const type = request.headers.get("Content-Type");
  try {
    const raw = await readBodyWithLimit(request, MAX_JSON_BODY_BYTES);
    if (raw.trim() !== "" && type && !/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
      throw new ApiError(
        "invalid_request",
        `Send a JSON body with Content-Type: application/json (got ${type.split(";")[0]}).`,
      );
    }
    return raw;
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new ApiError(
        "invalid_request",
        `The request body is larger than ${MAX_JSON_BODY_BYTES / 1024} KB.`,
        undefined,
        {},
        413,
      );
    }
    throw error;
  }
}

/** JSON text -> schema output. An empty body is `{}` so missing fields are named. */
export function parseBody<S extends z.ZodType>(rawBody: string, schema: S): z.output<S> {
  let value: unknown = {};
  if (rawBody.trim() !== "") {
    if (jsonTooDeep(rawBody)) {
      throw new ApiError(
        "invalid_request",
        `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
      );
    }
    try {
      value = JSON.parse(rawBody);
    } catch {
      throw new ApiError("invalid_request", "The request body is not valid JSON.");
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError("invalid_request", "The request body must be a JSON object.");
  }
  rejectBadText(value);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

export function parseQuery<S extends z.ZodType>(url: URL, schema: S): z.output<S> {
  const values: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in values)) values[k] = v;
  rejectBadText(values);
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

/** NUL or an unpaired surrogate anywhere in the input: invalid_request naming the param. */
function rejectBadText(value: unknown): void {
  const found = findTextProblem(value);
  if (found) {
    const param = paramOf(found.path);
    throw new ApiError(
      "invalid_request",
      `${param ? `${param}: ` : ""}${textProblemMessage(found.problem)}`,
      param,
    );
  }
}
