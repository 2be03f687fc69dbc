/**
 * RELIABILITY 4 — fuzzing. fast-check throws random and malformed requests at every /api/v1
 * endpoint (bodies derived from the zod schemas, then bent), every form action (fields from the UI's
 * own vocabulary with hostile values, with/without/with a wrong CSRF token, odd content types), every
 * loader (random params and query strings) and the Stripe intake route (garbage, bad signatures,
 * signed non-events, oversized bodies, a few genuine events). Route modules are called directly with
 * real Request objects (the route list comes from app/routes).
 *
 * - zero 5xx (a thrown Error counts as a 5xx);
 * - no row written on any 4xx: a row-level trigger on every table (app tables and graphile-worker's
 *   jobs) counts writes; exempt by design are only `login_attempts` (failed logins are recorded for
 *   throttling), `api_rate_limits` (every authenticated request takes a token) and
 *   `api_idempotency_keys` (a request with an Idempotency-Key claims it; a definite outcome such as a
 *   404 is kept for replay, Stripe-style, while 400/429 release it); and an update that only stamps
 *   `api_keys.last_used_at` is not counted;
 * - error shapes: API 4xx = `{"error":{"type","message","param"?}}`; intake 4xx = `{"error": string}`;
 *   form 4xx = a plain-text message or `{fieldErrors|formError|error|message|<x>Error ...}`; never a
 *   stack trace.
 *
 * Issue 15 generators (arbitraries.ts): NUL and unpaired surrogates in every text, impossible dates
 * and cursors, JSON nested up to 100,000 levels, signatures from the future, and 50 MB bodies
 * (streamed) to the API, the forms and the intake.
 *
 * Knobs: RELIABILITY_FUZZ_RUNS (total requests, default 10000), RELIABILITY_SEED.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import * as schemas from "../../app/api/schemas";
import { loadWebhookSecret } from "../../app/services/stripe-account/stripe-connection.server";
import { CookieJar, TEST_CSRF } from "../helpers/context";
import { sign } from "../stripe/helpers";
import {
  bodyFor,
  deepJsonText,
  hostileJson,
  hostileString,
  hugeBodyStream,
  impossibleCursor,
} from "./arbitraries";
import { recordFigures } from "./procs";
import {
  callRoute,
  fillParams,
  formVocabulary,
  routeInventory,
  type Outcome,
  type RouteInfo,
} from "./routes";
import { buildWorld, type RelWorld } from "./world";

const TOTAL = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BASE = "http://localhost:3000";
const EXEMPT = new Set(["login_attempts", "api_rate_limits", "api_idempotency_keys"]);
/** A body arbitrary's value that stands for a streamed 50 MB body. */
const HUGE = "\u0001HUGE\u0001";
const bodyInit = (body: string): { body: BodyInit; duplex?: "half" } =>
  body === HUGE ? { body: hugeBodyStream(), duplex: "half" } : { body };

let w: RelWorld;
let routes: RouteInfo[];
const stats = {
  requests: 0,
  byTarget: {} as Record<string, number>,
  byStatus: {} as Record<string, number>,
  fivexx: 0,
  writesOn4xx: 0,
  badShapes: 0,
  rowsWritten2xx3xx: 0,
  unsendable: 0,
};
const failures: unknown[] = [];

beforeAll(async () => {
  w = await buildWorld(SEED);
  routes = await routeInventory();
  // The write counter: one row, bumped by a row-level trigger on every table.
  await sql`create table reliability_writes (n bigint not null)`.execute(w.db);
  await sql`insert into reliability_writes values (0)`.execute(w.db);
  // An update that only stamps api_keys.last_used_at (every authenticated request does) is not counted.
  await sql`create function reliability_count_write() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and (to_jsonb(new) - 'last_used_at') = (to_jsonb(old) - 'last_used_at') then return null; end if;
      update public.reliability_writes set n = n + 1; return null;
    end $$`.execute(w.db);
  const { rows } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_name <> 'reliability_writes'
      and (table_schema = 'public' or (table_schema = 'graphile_worker' and table_name in ('_private_jobs', '_private_job_queues')))`.execute(
    w.db,
  );
  for (const t of rows) {
    if (EXEMPT.has(t.name)) continue;
    await sql`create trigger reliability_count after insert or update or delete on ${sql.table(`${t.schema}.${t.name}`)}
      for each row execute function reliability_count_write()`.execute(w.db);
  }
});
afterAll(async () => {
  recordFigures("fuzz", { seed: SEED, ...stats, failures: failures.length });
  await w?.close();
});

async function writes(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select n from reliability_writes`.execute(w.db);
  return Number(rows[0].n);
}

function record(
  target: string,
  route: string,
  req: { method: string; url: string },
  o: Outcome,
  wrote: number,
  shapeOk: boolean,
) {
  stats.requests++;
  stats.byTarget[target] = (stats.byTarget[target] ?? 0) + 1;
  const cls = `${Math.floor(o.status / 100)}xx`;
  stats.byStatus[cls] = (stats.byStatus[cls] ?? 0) + 1;
  const problems: string[] = [];
  if (o.status >= 500) {
    stats.fivexx++;
    problems.push("5xx");
  }
  if (o.status >= 400 && o.status < 500 && wrote > 0) {
    stats.writesOn4xx++;
    problems.push(`${wrote} row(s) written on a ${o.status}`);
  }
  if (o.status < 400 && wrote > 0) stats.rowsWritten2xx3xx++;
  if (o.status >= 400 && !shapeOk) {
    stats.badShapes++;
    problems.push("error shape");
  }
  if (/\n\s+at .+\(.+:\d+:\d+\)/.test(o.text)) problems.push("stack trace in the response");
  if (problems.length > 0 && failures.length < 50)
    failures.push({
      target,
      route,
      method: req.method,
      url: req.url.slice(0, 200),
      status: o.status,
      problems,
      body: o.text.slice(0, 300),
    });
  return problems.length === 0;
}

async function run(
  target: string,
  route: RouteInfo,
  request: Request,
  params: Record<string, string>,
  shape: (o: Outcome) => boolean,
): Promise<boolean> {
  const before = await writes();
  const fn =
    request.method === "GET" || request.method === "HEAD"
      ? route.module.loader
      : route.module.action;
  let o: Outcome;
  try {
    o = await callRoute(fn, request, params, w.ctx);
  } catch (error) {
    o = {
      status: 500,
      location: null,
      contentType: null,
      text: String((error as Error)?.stack ?? error),
      data: undefined,
    };
  }
  const wrote = (await writes()) - before;
  return record(target, route.id, request, o, wrote, o.status < 400 || shape(o));
}

const apiErrorShape = (o: Outcome) => {
  if (o.text === "") return true; // HEAD
  try {
    return schemas.ErrorResponse.safeParse(JSON.parse(o.text)).success;
  } catch {
    return false;
  }
};
const intakeShape = (o: Outcome) => {
  try {
    const b = JSON.parse(o.text) as { error?: unknown };
    return typeof b.error === "string" && Object.keys(b).length === 1;
  } catch {
    return false;
  }
};
const FORM_ERROR_KEYS = ["fieldErrors", "formError", "error", "errors", "message"];
const formShape = (o: Outcome) => {
  if (o.data === undefined) return o.text.length < 2000; // a thrown Response: a short message
  if (!o.data || typeof o.data !== "object" || Array.isArray(o.data)) return false;
  // `{ fieldErrors }`, `{ formError }`, `{ error }` ... or a page's own `<something>Error`.
  return Object.keys(o.data).some((k) => FORM_ERROR_KEYS.includes(k) || /Errors?$/.test(k));
};

/** A path param: the right object, the other tenant's, a random id or garbage. */
function paramArb(route: RouteInfo): fc.Arbitrary<Record<string, string>> {
  const pick = (name: string) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(fillParams(route, w.A).params[name]) },
      { weight: 1, arbitrary: fc.constant(fillParams(route, w.B).params[name]) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileString.filter((s) => s.length > 0) },
    );
  return fc.record(Object.fromEntries(route.params.map((p) => [p, pick(p)])));
}

function pathOf(route: RouteInfo, params: Record<string, string>): string {
  let p = route.pattern;
  for (const [k, v] of Object.entries(params))
    p = p.replace(k === "*" ? "*" : `:${k}`, encodeURIComponent(wellFormed(v)));
  return p;
}

/** Lone surrogates (which encodeURIComponent refuses) replaced by U+FFFD. */
function wellFormed(v: string): string {
  return v.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    "\uFFFD",
  );
}

/** A Request, or null when no HTTP client could send it (e.g. a header with non-Latin-1 text):
 * such inputs are skipped with fc.pre and replaced by new ones, so every counted run was sent. */
function tryRequest(url: string, init: RequestInit): Request | null {
  try {
    return new Request(url, init);
  } catch {
    stats.unsendable++;
    return null;
  }
}

const queryArb = fc
  .dictionary(
    fc.constantFrom(
      "limit",
      "cursor",
      "affiliate_id",
      "campaign_id",
      "status",
      "attribution_method",
      "created_gte",
      "created_lt",
      "page",
      "q",
      "from",
      "to",
      "redirectTo",
      "code",
      fc.string({ maxLength: 6 }) as never,
    ),
    fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: impossibleCursor }),
    { maxKeys: 4 },
  )
  .map((d) => new URLSearchParams(d as Record<string, string>).toString());

function requestSchemas(): z.ZodType[] {
  return Object.entries(schemas)
    .filter(([name]) => /(Create|Update|Put|Query|Filters)$/.test(name))
    .map(([, s]) => s as z.ZodType);
}

describe("fuzzing (fast-check)", () => {
  it(
    `Stripe intake (${TOTAL - Math.round(TOTAL * 0.4) - Math.round(TOTAL * 0.3) - Math.round(TOTAL * 0.15)} requests)`,
    { timeout: 300_000 },
    async () => {
      const intake = routes.find((r) => r.id === "webhooks.stripe.$brandId")!;
      const secret = (await loadWebhookSecret(w.db, w.aw.config, w.A.brandId))!.webhookSecret;
      const eventArb = fc.record({
        id: fc.oneof(fc.constant(`evt_fuzz_${randomBytes(6).toString("hex")}`), hostileString),
        object: fc.oneof(
          { weight: 5, arbitrary: fc.constant("event") },
          { weight: 1, arbitrary: hostileJson },
        ),
        type: fc.constantFrom(
          "invoice.paid",
          "charge.refunded",
          "checkout.session.completed",
          "customer.created",
          "promotion_code.updated",
          "coupon.deleted",
          "",
          "x".repeat(300),
        ),
        livemode: fc.oneof(
          { weight: 5, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: hostileJson },
        ),
        created: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), hostileJson),
        data: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              object: fc.dictionary(fc.string({ maxLength: 8 }), hostileJson, { maxKeys: 5 }),
            }),
          },
          { weight: 1, arbitrary: hostileJson },
        ),
      });
      let genuine = 0;
      await fc
        .assert(
          fc.asyncProperty(
            fc.oneof(
              { weight: 6, arbitrary: fc.constant(w.A.brandId) },
              { weight: 1, arbitrary: fc.constant(w.B.brandId) },
              { weight: 1, arbitrary: fc.uuid() },
              { weight: 1, arbitrary: hostileString },
            ),
            fc.oneof(
              { weight: 5, arbitrary: eventArb.map((e) => JSON.stringify(e)) },
              { weight: 2, arbitrary: hostileString },
              { weight: 1, arbitrary: fc.constant("{".repeat(1024 * 1024 + 10)) },
              {
                weight: 2,
                arbitrary: fc
                  .tuple(eventArb, deepJsonText)
                  .map(([e, deep]) => JSON.stringify(e).replace(/}$/, `,"deep":${deep}}`)),
              },
              { weight: 1, arbitrary: fc.constant(HUGE) },
            ),
            fc.constantFrom<"good" | "bad" | "old" | "future" | "none" | "garbage">(
              "good",
              "good",
              "good",
              "bad",
              "old",
              "future",
              "none",
              "garbage",
            ),
            async (brandId, body, signature) => {
              const headers: Record<string, string> = { "Content-Type": "application/json" };
              if (signature === "good") headers["Stripe-Signature"] = sign(body, secret);
              if (signature === "bad") headers["Stripe-Signature"] = sign(body, "whsec_wrong");
              if (signature === "old")
                headers["Stripe-Signature"] = sign(
                  body,
                  secret,
                  Math.floor(Date.now() / 1000) - 3600,
                );
              if (signature === "future")
                headers["Stripe-Signature"] = sign(
                  body,
                  secret,
                  Math.floor(Date.now() / 1000) + 365 * 86_400,
                );
              if (signature === "garbage") headers["Stripe-Signature"] = "t=1,v1=zz";
              const req = tryRequest(
                `${BASE}/webhooks/stripe/${encodeURIComponent(wellFormed(brandId))}`,
                { method: "POST", headers, ...bodyInit(body) },
              );
              fc.pre(req !== null);
              const ok = await run("intake", intake, req, { brandId }, intakeShape);
              if (signature === "good" && brandId === w.A.brandId) genuine++;
              return ok;
            },
          ),
          {
            numRuns:
              TOTAL - Math.round(TOTAL * 0.4) - Math.round(TOTAL * 0.3) - Math.round(TOTAL * 0.15),
            seed: SEED,
            endOnFailure: true,
          },
        )
        .catch((error: unknown) => {
          throw new Error(
            `${String(error).slice(0, 2000)}\n${JSON.stringify(failures.slice(0, 5), null, 1)}`,
          );
        });
      expect(failures).toEqual([]);
      expect(genuine).toBeGreaterThan(0);
    },
  );

  it(
    `API: every /api/v1 endpoint (${Math.round(TOTAL * 0.4)} requests)`,
    { timeout: 300_000 },
    async () => {
      const api = routes.filter((r) => r.id.startsWith("api.v1."));
      const ids = [
        w.A.campaignId,
        w.A.affiliateId,
        w.A.campaignCouponId,
        w.A.affiliateCouponId,
        w.A.conversionId,
        w.B.campaignId,
      ];
      const bodies = requestSchemas().map((s) => bodyFor(s, ids));
      let n = 0;
      await fc
        .assert(
          fc.asyncProperty(
            fc.constantFrom(...api).chain((route) => fc.tuple(fc.constant(route), paramArb(route))),
            fc.constantFrom(
              "GET",
              "GET",
              "POST",
              "POST",
              "PATCH",
              "PUT",
              "DELETE",
              "HEAD",
              "OPTIONS",
            ),
            fc.oneof(
              { weight: 8, arbitrary: fc.constant(w.A.apiKey) },
              { weight: 1, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: hostileString },
            ),
            queryArb,
            fc.oneof(
              { weight: 6, arbitrary: fc.oneof(...bodies).map((b) => JSON.stringify(b)) },
              { weight: 1, arbitrary: hostileJson.map((b) => JSON.stringify(b) ?? "") },
              { weight: 1, arbitrary: hostileString },
              { weight: 1, arbitrary: deepJsonText },
              { weight: 1, arbitrary: fc.constant(HUGE) },
            ),
            fc.constantFrom(
              "application/json",
              "application/json",
              "application/json; charset=utf-8",
              "text/plain",
              "application/x-www-form-urlencoded",
              null,
            ),
            fc.option(
              fc.constantFrom("idem-1", "", "x".repeat(300), randomBytes(8).toString("hex")),
              { freq: 5 },
            ),
            async ([route, params], method, key, query, body, contentType, idem) => {
              // Keep the key's token bucket full: the limiter is tested elsewhere; here it would mask the handlers.
              if (++n % 100 === 0) await sql`update api_rate_limits set tokens = 200`.execute(w.db);
              const headers: Record<string, string> = {};
              if (key !== null)
                headers.Authorization = key.startsWith("rk_") ? `Bearer ${key}` : key;
              if (contentType) headers["Content-Type"] = contentType;
              if (idem !== null) headers["Idempotency-Key"] = idem;
              const hasBody = !["GET", "HEAD"].includes(method);
              const req = tryRequest(`${BASE}${pathOf(route, params)}${query ? `?${query}` : ""}`, {
                method,
                headers,
                ...(hasBody ? bodyInit(body) : {}),
              });
              fc.pre(req !== null);
              return run("api", route, req, params, apiErrorShape);
            },
          ),
          { numRuns: Math.round(TOTAL * 0.4), seed: SEED, endOnFailure: true },
        )
        .catch((error: unknown) => {
          throw new Error(
            `${String(error).slice(0, 2000)}\n${JSON.stringify(failures.slice(0, 5), null, 1)}`,
          );
        });
      expect(failures).toEqual([]);
    },
  );

  it(
    `pages: every loader with random params and queries (${Math.round(TOTAL * 0.15)} requests)`,
    { timeout: 300_000 },
    async () => {
      const loaders = routes.filter((r) => r.module.loader && !r.id.startsWith("api.v1."));
      await fc
        .assert(
          fc.asyncProperty(
            fc
              .constantFrom(...loaders)
              .chain((route) => fc.tuple(fc.constant(route), paramArb(route))),
            fc.constantFrom<"owner" | "affiliate" | "anonymous">(
              "owner",
              "owner",
              "affiliate",
              "affiliate",
              "anonymous",
            ),
            queryArb,
            async ([route, params], who, query) => {
              const jar =
                who === "owner"
                  ? w.A.owner
                  : who === "affiliate"
                    ? w.A.affiliateUser
                    : new CookieJar();
              const req = tryRequest(`${BASE}${pathOf(route, params)}${query ? `?${query}` : ""}`, {
                headers: { Cookie: jar.header() },
              });
              fc.pre(req !== null);
              return run(
                "pages",
                route,
                req,
                params,
                route.id.startsWith("webhooks.")
                  ? intakeShape
                  : route.id.startsWith("api.")
                    ? () => true
                    : formShape,
              );
            },
          ),
          { numRuns: Math.round(TOTAL * 0.15), seed: SEED, endOnFailure: true },
        )
        .catch((error: unknown) => {
          throw new Error(
            `${String(error).slice(0, 2000)}\n${JSON.stringify(failures.slice(0, 5), null, 1)}`,
          );
        });
      expect(failures).toEqual([]);
    },
  );

  it(
    `forms: every action (${Math.round(TOTAL * 0.3)} requests)`,
    { timeout: 300_000 },
    async () => {
      const actions = routes.filter(
        (r) =>
          r.module.action &&
          (r.access === "brand" ||
            r.access === "affiliate" ||
            (r.access === "public" && !r.id.startsWith("api.") && !r.id.startsWith("webhooks."))),
      );
      const { names, intents } = formVocabulary();
      const A = w.A;
      const ids = [
        A.campaignId,
        A.affiliateId,
        A.campaignCouponId,
        A.affiliateCouponId,
        A.conversionId,
        A.endpointId,
        w.B.campaignId,
      ];
      const value = fc.oneof(
        { weight: 4, arbitrary: hostileString },
        { weight: 2, arbitrary: fc.constantFrom(...ids) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            "on",
            "percent",
            "flat",
            "usd",
            "forever",
            "once",
            "repeating",
            "20",
            "30",
            "Partners",
            "https://brand.example/a",
          ),
        },
      );
      await fc
        .assert(
          fc.asyncProperty(
            fc
              .constantFrom(...actions)
              .chain((route) => fc.tuple(fc.constant(route), paramArb(route))),
            fc.constantFrom<"owner" | "affiliate" | "anonymous">(
              "owner",
              "owner",
              "owner",
              "affiliate",
              "anonymous",
            ),
            fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 8 }),
            fc.option(fc.constantFrom(...intents), { freq: 4 }),
            fc.constantFrom<"valid" | "missing" | "wrong">(
              "valid",
              "valid",
              "valid",
              "valid",
              "valid",
              "missing",
              "wrong",
            ),
            fc.constantFrom(
              "urlencoded",
              "urlencoded",
              "urlencoded",
              "multipart",
              "json",
              "none",
              "huge",
            ),
            async ([route, params], who, fields, intent, csrf, encoding) => {
              const jar =
                who === "owner" ? A.owner : who === "affiliate" ? A.affiliateUser : new CookieJar();
              const form: Record<string, string> = { ...fields };
              if (intent !== null) form.intent = intent;
              if (csrf === "valid") form._csrf = TEST_CSRF;
              if (csrf === "wrong") form._csrf = "w".repeat(43);
              const headers: Record<string, string> = { Cookie: jar.header() };
              let body: BodyInit | undefined;
              if (encoding === "urlencoded") {
                body = new URLSearchParams(form);
                headers["Content-Type"] = "application/x-www-form-urlencoded";
              } else if (encoding === "multipart") {
                const fd = new FormData();
                for (const [k, v] of Object.entries(form)) fd.append(k, v);
                body = fd;
              } else if (encoding === "json") {
                body = JSON.stringify(form);
                headers["Content-Type"] = "application/json";
              }
              const req = tryRequest(`${BASE}${pathOf(route, params)}`, {
                method: "POST",
                headers:
                  encoding === "huge"
                    ? { ...headers, "Content-Type": "application/x-www-form-urlencoded" }
                    : headers,
                ...(encoding === "huge" ? bodyInit(HUGE) : { body }),
              });
              fc.pre(req !== null);
              return run("forms", route, req, params, formShape);
            },
          ),
          { numRuns: Math.round(TOTAL * 0.3), seed: SEED, endOnFailure: true },
        )
        .catch((error: unknown) => {
          throw new Error(
            `${String(error).slice(0, 2000)}\n${JSON.stringify(failures.slice(0, 5), null, 1)}`,
          );
        });
      expect(failures).toEqual([]);
    },
  );

  it("totals", () => {
    console.log(`[fuzz] seed ${SEED}: ${JSON.stringify(stats)}`);
    expect(stats.requests).toBeGreaterThanOrEqual(TOTAL);
    expect(stats.fivexx).toBe(0);
    expect(stats.writesOn4xx).toBe(0);
  });
});
