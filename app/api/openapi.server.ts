/**
 * The OpenAPI 3.1 document of /api/v1, generated from app/api/schemas.ts (the same zod objects
 * the routes parse requests with and shape responses by). `API_OPERATIONS` is the list of every
 * documented method + path; tests check it against the route files.
 */
import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { API_ERROR_STATUS, type ApiErrorType } from "./errors";
import { MAX_JSON_BODY_BYTES } from "./handler.server";
import { IDEMPOTENCY_TTL_HOURS } from "./idempotency.server";
import { API_RATE_LIMIT } from "~/db/rate-limit.server";
import * as S from "./schemas";

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Op {
  summary: string;
  tag: string;
  path?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok:
    | { status: number; schema: z.ZodType; description: string }
    | { status: number; csv: true; description: string };
  errors: ApiErrorType[];
  description?: string;
}

/** What a collection operation names; the builders below add the status, query or body. */
type CollectionOpSpec = Pick<Op, "tag" | "summary" | "errors" | "path"> & { description: string };

/** A `GET` of one page of a collection (`limit`, `cursor`), answered 200 with the list schema. */
function listOperation({ list, description, ...op }: CollectionOpSpec & { list: z.ZodType }): Op {
  return { ...op, query: S.PageQuery, ok: { status: 200, schema: list, description } };
}

/** A `POST` that creates one resource from a JSON body, answered 201 with it. */
function createOperation({
  created,
  description,
  ...op
}: CollectionOpSpec & { body: z.ZodType; created: z.ZodType }): Op {
  return { ...op, ok: { status: 201, schema: created, description } };
}

/** A plan-gated collection under a parent (a campaign's coupons, an affiliate's codes). */
function couponCollection(o: {
  tag: string;
  path: z.ZodObject;
  noun: string;
  list: [summary: string, schema: z.ZodType];
  create: [summary: string, body: z.ZodType];
  created: [schema: z.ZodType, description: string];
}): Partial<Record<Method, Op>> {
  const errors: ApiErrorType[] = ["invalid_request", "not_found", "plan_required"];
  return {
    get: listOperation({
      tag: o.tag,
      summary: o.list[0],
      list: o.list[1],
      description: `A page of ${o.noun}, newest first.`,
      errors,
      path: o.path,
    }),
    post: createOperation({
      tag: o.tag,
      summary: o.create[0],
      body: o.create[1],
      created: o.created[0],
      description: o.created[1],
      errors: [...errors, "conflict", "stripe_error"],
      path: o.path,
    }),
  };
}

const COMMON_ERRORS: ApiErrorType[] = ["authentication", "rate_limited"];

const errorDescriptions: Record<ApiErrorType, string> = {
  invalid_request: "Invalid request: `param` names the offending field.",
  authentication: "Missing, malformed, unknown or revoked API key.",
  permission: "The key may not do this.",
  plan_required:
    "The brand's plan does not include this feature (Growth or Scale, or an active trial).",
  not_found: "No such object for this brand (another brand's object is also not found).",
  conflict:
    "Conflicts with the current state, or an Idempotency-Key reused with a different request.",
  rate_limited: "Too many requests for this API key; retry after `Retry-After` seconds.",
  stripe_error: "Stripe refused or failed the call; `message` carries Stripe's reason.",
  service_unavailable:
    "The database is briefly unavailable (e.g. restarting); retry after `Retry-After` seconds.",
  api_error: "Unexpected server error.",
};

const pathParams = {
  programId: z.object({ programId: S.Id }),
  programCoupon: z.object({ programId: S.Id, id: S.Id }),
  affiliateId: z.object({ affiliateId: S.Id }),
  affiliateCoupon: z.object({ affiliateId: S.Id, id: S.Id }),
  id: z.object({ id: S.Id }),
};

const idempotencyHeader = z.object({
  "Idempotency-Key": z
    .string()
    .max(255)
    .optional()
    .meta({
      description: `Replays the first response for the same key and body for ${IDEMPOTENCY_TTL_HOURS} h; a different body with the same key is 409 conflict.`,
    }),
});

/** Every documented operation: "/path" -> method -> operation. Paths are relative to /api/v1. */
export const API_OPERATIONS: Record<string, Partial<Record<Method, Op>>> = {
  "/campaigns": {
    get: listOperation({
      tag: "Campaigns",
      summary: "List campaigns",
      list: S.CampaignList,
      description: "A page of campaigns, newest first.",
      errors: ["invalid_request"],
    }),
    post: createOperation({
      tag: "Campaigns",
      summary: "Create a campaign",
      body: S.CampaignCreate,
      created: S.Campaign,
      description: "The created campaign.",
      errors: ["invalid_request", "conflict"],
    }),
  },
  "/campaigns/{programId}": {
    get: {
      tag: "Campaigns",
      summary: "Get a campaign",
      path: pathParams.programId,
      ok: { status: 200, schema: S.Campaign, description: "The campaign." },
      errors: ["not_found"],
    },
    patch: {
      tag: "Campaigns",
      summary: "Update a campaign",
      path: pathParams.programId,
      body: S.CampaignUpdate,
      ok: { status: 200, schema: S.Campaign, description: "The updated campaign." },
      errors: ["invalid_request", "not_found"],
    },
  },
  "/campaigns/{programId}/coupons": couponCollection({
    tag: "Campaign coupons",
    path: pathParams.programId,
    noun: "coupons",
    list: ["List a campaign's coupons", S.CampaignCouponList],
    create: ["Create a campaign coupon (and its Stripe coupon)", S.CampaignCouponCreate],
    created: [S.CampaignCoupon, "The created coupon."],
  }),
  "/campaigns/{programId}/coupons/{id}": {
    get: {
      tag: "Campaign coupons",
      summary: "Get a campaign coupon",
      path: pathParams.programCoupon,
      ok: { status: 200, schema: S.CampaignCoupon, description: "The coupon." },
      errors: ["not_found", "plan_required"],
    },
    patch: {
      tag: "Campaign coupons",
      summary: "Update a campaign coupon",
      path: pathParams.programCoupon,
      body: S.CampaignCouponUpdate,
      ok: { status: 200, schema: S.CampaignCoupon, description: "The updated coupon." },
      errors: ["invalid_request", "not_found", "plan_required", "stripe_error"],
    },
    delete: {
      tag: "Campaign coupons",
      summary: "Delete a campaign coupon (deletes the Stripe coupon, deactivates its codes)",
      path: pathParams.programCoupon,
      ok: { status: 200, schema: S.DeletedResponse, description: "Deleted." },
      errors: ["not_found", "plan_required"],
    },
  },
  "/affiliates": {
    get: listOperation({
      tag: "Affiliates",
      summary: "List affiliates",
      list: S.AffiliateList,
      description: "A page of affiliates, newest first.",
      errors: ["invalid_request"],
    }),
    post: {
      tag: "Affiliates",
      summary: "Create an affiliate enrolled in a campaign",
      body: S.AffiliateCreate,
      ok: {
        status: 201,
        schema: S.Affiliate,
        description: "The created affiliate with its referral link.",
      },
      errors: ["invalid_request", "conflict"],
    },
  },
  "/affiliates/{affiliateId}": {
    get: {
      tag: "Affiliates",
      summary: "Get an affiliate",
      path: pathParams.affiliateId,
      ok: { status: 200, schema: S.Affiliate, description: "The affiliate." },
      errors: ["not_found"],
    },
  },
  "/affiliates/{affiliateId}/coupons": couponCollection({
    tag: "Affiliate coupons",
    path: pathParams.affiliateId,
    noun: "codes",
    list: ["List an affiliate's codes", S.AffiliateCouponList],
    create: ["Create an affiliate code (a Stripe promotion code)", S.AffiliateCouponCreate],
    created: [S.AffiliateCoupon, "The created code."],
  }),
  "/affiliates/{affiliateId}/coupons/{id}": {
    delete: {
      tag: "Affiliate coupons",
      summary: "Delete an affiliate code (deactivates the Stripe promotion code)",
      path: pathParams.affiliateCoupon,
      ok: { status: 200, schema: S.DeletedResponse, description: "Deleted." },
      errors: ["not_found", "plan_required"],
    },
  },
  "/conversions": {
    get: {
      tag: "Conversions",
      summary: "List conversions",
      query: S.ConversionListQuery,
      ok: {
        status: 200,
        schema: S.ConversionList,
        description: "A page of conversions, newest first.",
      },
      errors: ["invalid_request"],
    },
    post: {
      tag: "Conversions",
      summary: "Report a server-to-server (S2S) conversion",
      description:
        "Idempotent on external_id: reporting the same external_id again returns the existing conversion.",
      body: S.ConversionCreate,
      ok: {
        status: 201,
        schema: S.Conversion,
        description: "The conversion (200 when external_id was already reported).",
      },
      errors: ["invalid_request", "not_found", "conflict"],
    },
  },
  "/conversions/{id}": {
    get: {
      tag: "Conversions",
      summary: "Get a conversion",
      path: pathParams.id,
      ok: { status: 200, schema: S.Conversion, description: "The conversion." },
      errors: ["not_found"],
    },
  },
  "/conversions/export.csv": {
    get: {
      tag: "Conversions",
      summary: "Export conversions as CSV (streamed)",
      description:
        "Same filters as the list. UTF-8 with a header row; columns include attribution_method and coupon_code; amounts are decimal strings in their currency.",
      query: S.ConversionFilters,
      ok: { status: 200, csv: true, description: "text/csv, streamed." },
      errors: ["invalid_request"],
    },
  },
  "/webhook_endpoints": {
    get: listOperation({
      tag: "Webhook endpoints",
      summary: "List webhook endpoints",
      list: S.WebhookEndpointList,
      description: "A page of endpoints (without secrets).",
      errors: ["invalid_request"],
    }),
    post: {
      tag: "Webhook endpoints",
      summary: "Create a webhook endpoint",
      body: S.WebhookEndpointCreate,
      ok: {
        status: 201,
        schema: S.WebhookEndpointCreated,
        description: "The endpoint with its signing secret (shown only here).",
      },
      errors: ["invalid_request"],
    },
  },
  "/webhook_endpoints/{id}": {
    delete: {
      tag: "Webhook endpoints",
      summary: "Delete a webhook endpoint",
      path: pathParams.id,
      ok: { status: 200, schema: S.DeletedResponse, description: "Deleted." },
      errors: ["not_found"],
    },
  },
  "/stripe_connection": {
    get: {
      tag: "Stripe connection",
      summary: "Get the Stripe connection",
      ok: { status: 200, schema: S.StripeConnection, description: "The connection state." },
      errors: [],
    },
    put: {
      tag: "Stripe connection",
      summary: "Connect (or reconnect) Stripe with a restricted key",
      description:
        "Creates the webhook endpoint on the brand's Stripe account. A malformed key is invalid_request (param secret_key); Stripe refusing the key or failing is stripe_error.",
      body: S.StripeConnectionPut,
      ok: { status: 200, schema: S.StripeConnection, description: "Connected." },
      errors: ["invalid_request", "stripe_error"],
    },
    delete: {
      tag: "Stripe connection",
      summary: "Disconnect Stripe (deletes the webhook endpoint)",
      description: "Idempotent: answers the disconnected state.",
      ok: { status: 200, schema: S.StripeConnection, description: "Disconnected." },
      errors: [],
    },
  },
  "/openapi.json": {
    get: {
      tag: "Meta",
      summary: "This OpenAPI 3.1 document (no API key needed)",
      ok: { status: 200, schema: z.record(z.string(), z.unknown()), description: "The document." },
      errors: [],
    },
  },
};

function responsesFor(op: Op, isPublic: boolean): ZodOpenApiResponsesObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  responses[String(op.ok.status)] =
    "csv" in op.ok
      ? { description: op.ok.description, content: { "text/csv": { schema: z.string() } } }
      : {
          description: op.ok.description,
          content: { "application/json": { schema: op.ok.schema } },
        };
  const types = new Set<ApiErrorType>([...op.errors, ...(isPublic ? [] : COMMON_ERRORS)]);
  if (op.body) types.add("invalid_request");
  const byStatus = new Map<number, ApiErrorType[]>();
  for (const t of types)
    byStatus.set(API_ERROR_STATUS[t], [...(byStatus.get(API_ERROR_STATUS[t]) ?? []), t]);
  for (const [status, ts] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: ts.map((t) => `\`${t}\`: ${errorDescriptions[t]}`).join(" "),
      content: { "application/json": { schema: S.ErrorResponse } },
      ...(status === 429
        ? {
            headers: z.object({
              "Retry-After": z.string().meta({ description: "Seconds to wait." }),
            }),
          }
        : {}),
    };
  }
  responses["405"] = {
    description:
      "Method not allowed on this path (error type `invalid_request`, `Allow` header lists the methods).",
    content: { "application/json": { schema: S.ErrorResponse } },
  };
  return responses as ZodOpenApiResponsesObject;
}

function operation(op: Op, method: Method, isPublic: boolean): ZodOpenApiOperationObject {
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(isPublic ? { security: [] } : {}),
    requestParams: {
      ...(op.path ? { path: op.path } : {}),
      ...(op.query ? { query: op.query } : {}),
      ...(method === "post" ? { header: idempotencyHeader } : {}),
    },
    ...(op.body
      ? { requestBody: { required: true, content: { "application/json": { schema: op.body } } } }
      : {}),
    responses: responsesFor(op, isPublic),
  };
}

let cached: ReturnType<typeof createDocument> | undefined;

/** The document (servers point at `{appUrl}/api/v1`). */
export function openApiDocument(appUrl: string): ReturnType<typeof createDocument> {
  cached ??= build();
  return { ...cached, servers: [{ url: `${appUrl.replace(/\/+$/, "")}/api/v1` }] };
}

function build(): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const [path, methods] of Object.entries(API_OPERATIONS)) {
    const item: Record<string, ZodOpenApiOperationObject> = {};
    for (const [method, op] of Object.entries(methods) as [Method, Op][]) {
      item[method] = operation(op, method, path === "/openapi.json");
    }
    paths[path] = item;
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Rekomi REST API",
      version: "1.0.0",
      description: [
        "Affiliate campaigns, coupons, affiliates and conversions for SaaS brands on Stripe.",
        "",
        "Authenticate with `Authorization: Bearer rk_live_...` (create a key under Settings → API keys or with `npm run cli -- apikey:create`).",
        'Errors: `{"error":{"type","message","param"?}}`. Lists: `{"data","has_more","next_cursor"}` with `?limit=1..100&cursor=`, newest first.',
        `Timestamps are ISO 8601 UTC. Money is integer minor units with a lowercase ISO currency.`,
        `Rate limit: ${API_RATE_LIMIT.ratePerSecond} requests/s per key, bursts up to ${API_RATE_LIMIT.burst}. JSON bodies up to ${MAX_JSON_BODY_BYTES / 1024} KB.`,
        `POST accepts an Idempotency-Key header (kept ${IDEMPOTENCY_TTL_HOURS} h).`,
      ].join("\n"),
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "A Rekomi API key, rk_live_...",
        },
      },
    },
    paths,
  });
}
