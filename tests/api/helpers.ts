import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import { testContext } from "../helpers/context";

export const BASE = "http://localhost:3000";

export interface RouteModule {
  loader: (args: LoaderFunctionArgs) => Promise<Response> | Response;
  action: (args: ActionFunctionArgs) => Promise<Response> | Response;
}

export interface CallOptions {
  method?: string;
  /** e.g. "/api/v1/campaigns?limit=2" */
  path: string;
  key?: string | null;
  body?: unknown;
  /** A raw body string (sent as is). */
  rawBody?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  context?: AppContext;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

/** Call an /api/v1 route module like Remix would (loader for GET/HEAD, action otherwise). */
export async function apiCall(route: RouteModule, db: DB, opts: CallOptions): Promise<CallResult> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] ??= "application/json";
  }
  const request = new Request(BASE + opts.path, { method, headers, body });
  const fn = method === "GET" || method === "HEAD" ? route.loader : route.action;
  const args = { request, params: opts.params ?? {}, context: opts.context ?? testContext(db) };
  const response = await fn(args as LoaderFunctionArgs & ActionFunctionArgs);
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

let n = 0;

/** A brand (Growth plan, in trial) with one API key. */
export async function createBrandWithKey(
  db: DB,
  name = "Brand",
): Promise<{ brandId: string; key: string; keyId: string }> {
  n++;
  const brand = await db
    .insertInto("brands")
    .values({
      name: `${name} ${n}`,
      plan: "growth",
      trial_ends_at: new Date(Date.now() + 14 * 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const key = await createApiKey(db, { brandId: brand.id, name: "Test key" });
  return { brandId: brand.id, key: key.apiKey, keyId: key.id };
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const validCampaign = {
  name: "Partners",
  destination_url: "https://acme.example.com/pricing",
  commission: { type: "percent", percent: 20 },
  recurring_months: 12,
  sub_affiliate_override_percent: 5,
};
