/**
 * The route inventory, read from app/routes at test time: every route file becomes an entry with
 * its URL pattern, params, loader/action and an access class. A NEW route file that fits no class
 * (and is not on the explicit public allow-list) makes the inventory throw, so the tenant, CSRF and
 * fuzz tests cannot silently skip it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AppContext } from "../../app/context.server";
import type { Tenant } from "./world";

export type Access =
  /** Brand dashboard pages and their actions (`/app/...`): a brand member's session. */
  | "brand"
  /** Affiliate portal (`/a/...`): an affiliate user's session. */
  | "affiliate"
  /** REST API v1 (`/api/v1/...`): a brand's API key. */
  | "api"
  /** Session-auth JSON resource routes (`/api/...`, not v1): a brand member's session. */
  | "session-api"
  | "public";

/** Routes anyone may call, each with the reason. Anything else must be brand/affiliate/api scoped. */
export const PUBLIC_ROUTES: Record<string, string> = {
  _index: "landing page",
  login: "sign-in form",
  signup: "brand sign-up form",
  logout: "ends the caller's own session",
  "join.$slug": "public campaign join page for prospective affiliates",
  "forgot-password": "asks for a reset link; the same answer for every address",
  "reset-password.$token": "sets a password with an emailed single-use link",
  "verify-email.$token": "confirms an address with an emailed single-use link",
  "verify-email._index": "resends the caller's own verification link (signed-in user)",
  "invite.$token": "accepts an emailed invitation (only for its invited address)",
  unsubscribe: "turns one notification kind off, authenticated by the link's HMAC",
  "dev.mail._index": "development-only mailbox (404 in production)",
  "dev.mail.$id": "development-only mailbox (404 in production)",
  "r.$code": "referral link redirect",
  "webhooks.stripe.$brandId": "Stripe intake, authenticated by the Stripe-Signature",
  "api.v1.openapi[.]json": "the public OpenAPI document",
  "api.v1.$": "404 for unknown API paths",
  $: "404 page for unknown URLs",
};

export interface RouteModule {
  loader?: (args: never) => unknown;
  action?: (args: never) => unknown;
  default?: unknown;
}

export interface RouteInfo {
  id: string;
  file: string;
  /** URL pattern with `:param` (and `*` for a splat). */
  pattern: string;
  params: string[];
  access: Access;
  module: RouteModule;
}

function classify(id: string): Access | null {
  if (Object.hasOwn(PUBLIC_ROUTES, id)) return "public";
  if (id === "app" || id.startsWith("app.")) return "brand";
  if (id === "a" || id.startsWith("a.")) return "affiliate";
  if (id.startsWith("api.v1.")) return "api";
  if (id.startsWith("api.")) return "session-api";
  return null;
}

/** Remix v2 flat-route file name -> URL pattern. */
export function patternOf(id: string): { pattern: string; params: string[] } {
  const params: string[] = [];
  const segments = id
    .replaceAll("[.]", "\u2024")
    .split(".")
    .map((s) => s.replaceAll("\u2024", "."));
  const out: string[] = [];
  for (let seg of segments) {
    if (seg === "_index") continue;
    if (seg.startsWith("_")) continue; // pathless layout
    if (seg.endsWith("_")) seg = seg.slice(0, -1); // escapes the parent layout, same URL
    if (seg === "$") {
      params.push("*");
      out.push("*");
    } else if (seg.startsWith("$")) {
      params.push(seg.slice(1));
      out.push(`:${seg.slice(1)}`);
    } else out.push(seg);
  }
  return { pattern: "/" + out.join("/"), params };
}

let cached: RouteInfo[] | undefined;

/** Route modules as Remix flat routes sees them: `x.tsx`, or a folder route `x/route.tsx`. */
function routeFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const inner = readdirSync(path.join(dir, entry.name)).find((f) => /^route\.tsx?$/.test(f));
      if (inner) files.push(`${entry.name}/${inner}`);
    } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\./.test(entry.name)) {
      files.push(entry.name);
    }
  }
  return files.sort();
}

export async function routeInventory(): Promise<RouteInfo[]> {
  if (cached) return cached;
  const dir = path.resolve("app/routes");
  const unclassified: string[] = [];
  const routes: RouteInfo[] = [];
  for (const file of routeFiles(dir)) {
    const id = file.replace(/(\/route)?\.(ts|tsx)$/, "");
    const access = classify(id);
    if (!access) {
      unclassified.push(id);
      continue;
    }
    const module = (await import(path.join(dir, file))) as RouteModule;
    routes.push({ id, file, ...patternOf(id), access, module });
  }
  if (unclassified.length > 0) {
    throw new Error(
      `Unclassified route(s): ${unclassified.join(", ")}. Put them under app/, a/ or api/ (scoped), or add them to PUBLIC_ROUTES in tests/reliability/routes.ts with a reason.`,
    );
  }
  cached = routes;
  return routes;
}

/** The object a route param designates, for a given tenant. Unknown params fail loudly. */
export function paramValue(route: RouteInfo, name: string, t: Tenant): string {
  const segs = route.pattern.split("/");
  const before = segs[segs.indexOf(`:${name}`) - 1];
  switch (name) {
    case "campaignId":
      return t.campaignId;
    case "affiliateId":
      return t.affiliateId;
    case "conversionId":
      return t.conversionId;
    case "endpointId":
      return t.endpointId;
    case "brandId":
      return t.brandId;
    case "slug":
      return t.campaignSlug;
    case "code":
      return t.linkCode;
    case "token":
      // Token-shaped but issued to nobody: every emailed-link page must treat it as invalid.
      return "A".repeat(43);
    case "id":
      if (before === "coupons" && route.pattern.includes("/campaigns/")) return t.campaignCouponId;
      if (before === "coupons" && route.pattern.includes("/affiliates/"))
        return t.affiliateCouponId;
      if (before === "conversions") return t.conversionId;
      if (before === "webhook_endpoints") return t.endpointId;
      if (before === "mail") return "000000000000000-00000000";
      break;
    case "*":
      return "no/such/path";
  }
  throw new Error(
    `Route ${route.id}: no mapping for param "${name}" in tests/reliability/routes.ts paramValue()`,
  );
}

export function fillParams(
  route: RouteInfo,
  t: Tenant,
): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let p = route.pattern;
  for (const name of route.params) {
    const v = paramValue(route, name, t);
    params[name] = v;
    p = p.replace(name === "*" ? "*" : `:${name}`, encodeURIComponent(v).replace(/%2F/g, "/"));
  }
  return { path: p, params };
}

/** What a loader/action produced: a Response (thrown or returned), `data(...)`, or plain data. */
export interface Outcome {
  status: number;
  location: string | null;
  contentType: string | null;
  /** The body as text (Response) or JSON (data). */
  text: string;
  /** Plain data or `data(...)` payload when no Response. */
  data: unknown;
}

export async function callRoute(
  fn: ((args: never) => unknown) | undefined,
  request: Request,
  params: Record<string, string>,
  context: AppContext,
): Promise<Outcome> {
  if (!fn) return { status: 405, location: null, contentType: null, text: "", data: undefined };
  let result: unknown;
  try {
    result = await (
      fn as (a: {
        request: Request;
        params: Record<string, string>;
        context: AppContext;
      }) => unknown
    )({
      request,
      params,
      context,
    });
  } catch (thrown) {
    result = thrown;
  }
  if (result instanceof Response) {
    const text = await result.text();
    return {
      status: result.status,
      location: result.headers.get("Location"),
      contentType: result.headers.get("Content-Type"),
      text,
      data: undefined,
    };
  }
  if (result instanceof Error) throw result;
  if (
    result &&
    typeof result === "object" &&
    (result as { type?: string }).type === "DataWithResponseInit"
  ) {
    const d = result as { data: unknown; init: ResponseInit | null };
    const headers = new Headers(d.init?.headers);
    return {
      status: d.init?.status ?? 200,
      location: headers.get("Location"),
      contentType: null,
      text: safeJson(d.data),
      data: d.data,
    };
  }
  return { status: 200, location: null, contentType: null, text: safeJson(result), data: result };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "";
  } catch {
    return String(v);
  }
}

/** Form field names and button values used anywhere in the UI (for forms the tests make up). */
export function formVocabulary(): { names: string[]; intents: string[] } {
  const names = new Set<string>();
  const intents = new Set<string>();
  for (const dir of ["app/routes", "app/components", "app/webhooks"]) {
    for (const file of readdirSync(path.resolve(dir), { recursive: true }).map(String)) {
      if (!/\.tsx$/.test(file)) continue;
      const src = readFileSync(path.resolve(dir, file), "utf8");
      for (const m of src.matchAll(/\bname="([A-Za-z_][\w.[\]-]*)"/g)) names.add(m[1]);
      for (const m of src.matchAll(
        /\bname="intent"[^>]*?\bvalue="([\w-]+)"|\bvalue="([\w-]+)"[^>]*?\bname="intent"/g,
      ))
        intents.add(m[1] ?? m[2]);
      for (const m of src.matchAll(/\bintent\s*===\s*"([\w-]+)"/g)) intents.add(m[1]);
    }
  }
  names.delete("_csrf");
  return { names: [...names].sort(), intents: [...intents].sort() };
}
