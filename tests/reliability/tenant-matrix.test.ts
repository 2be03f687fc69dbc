/**
 * RELIABILITY 5 — the tenant matrix, generated from the route files (tests/reliability/routes.ts):
 * every brand page and action, every session-auth JSON route and every API endpoint is called by
 * brand B (session or API key) with brand A's objects in the URL and in every id-like form field;
 * every affiliate portal route by B's affiliate and by A's other affiliate; and every scoped route by
 * the wrong role and by nobody. Expected: 403/404 (or the login/portal redirect), never A's data —
 * no response carries any of A's ids, names, emails, codes, URLs or key prefixes — and none of A's
 * rows change. A new route file is covered automatically (or fails the inventory until classified).
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../app/db/db.server";
import { CookieJar, TEST_CSRF } from "../helpers/context";
import { recordFigures } from "./procs";
import {
  callRoute,
  fillParams,
  formVocabulary,
  routeInventory,
  type Outcome,
  type RouteInfo,
} from "./routes";
import { affiliateMarkers, buildWorld, markers, type RelWorld, type Tenant } from "./world";

let w: RelWorld;
let routes: RouteInfo[];
const BASE = "http://localhost:3000";
const figures = {
  requests: 0,
  routes: 0,
  crossTenantReads: 0,
  forbiddenOrNotFound: 0,
  indistinguishable: 0,
  redirects: 0,
};

beforeAll(async () => {
  w = await buildWorld();
  routes = await routeInventory();
});
afterAll(async () => {
  recordFigures("tenant-matrix", figures);
  await w?.close();
});

/** A digest of every row that belongs to the brand (all tables with brand_id, plus its users). */
async function brandDigest(db: DB, brandId: string): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.columns
    where table_schema = 'public' and column_name = 'brand_id' order by table_name`.execute(db);
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    if (table_name === "api_rate_limits") continue;
    const { rows } = await sql<{ d: string }>`
      select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as d
      from ${sql.table(table_name)} t where brand_id = ${brandId}`.execute(db);
    out[table_name] = rows[0].d;
  }
  const { rows } = await sql<{ d: string }>`
    select md5(coalesce(string_agg(u::text, '|' order by u::text), '')) as d from users u
    where id in (select user_id from brand_members where brand_id = ${brandId}
                 union select user_id from affiliates where brand_id = ${brandId} and user_id is not null)`.execute(
    db,
  );
  out.users = rows[0].d;
  return out;
}

function request(
  method: string,
  path: string,
  opts: { jar?: CookieJar; key?: string; form?: Record<string, string>; json?: unknown } = {},
): Request {
  const headers: Record<string, string> = {};
  if (opts.jar) headers.Cookie = opts.jar.header();
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  let body: BodyInit | undefined;
  if (opts.form) {
    body = new URLSearchParams({ ...opts.form, _csrf: TEST_CSRF });
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["Content-Type"] = "application/json";
    headers["X-CSRF-Token"] = TEST_CSRF;
  }
  return new Request(BASE + path, { method, headers, body });
}

async function call(
  route: RouteInfo,
  req: Request,
  params: Record<string, string>,
): Promise<Outcome> {
  figures.requests++;
  const fn =
    req.method === "GET" || req.method === "HEAD" ? route.module.loader : route.module.action;
  return callRoute(fn, req, params, w.ctx);
}

function leaks(o: Outcome, secrets: string[]): string[] {
  // A redirect to the login page echoes the requested path back (`redirectTo`): that is the
  // caller's own input, not data.
  const location = (o.location ?? "").replace(/([?&]redirectTo=)[^&]*/, "$1");
  const text = `${o.text} ${location}`;
  return secrets.filter((m) => text.includes(m));
}

/** Forms made of every id-like field pointing at A's objects, for every intent the UI knows. */
async function crossForms(A: Tenant): Promise<Record<string, string>[]> {
  const { intents } = formVocabulary();
  const event = await w.db
    .selectFrom("stripe_events")
    .select("id")
    .where("brand_id", "=", A.brandId)
    .executeTakeFirstOrThrow();
  const message = await w.db
    .selectFrom("webhook_messages")
    .select("id")
    .where("brand_id", "=", A.brandId)
    .executeTakeFirst();
  const ids = [
    A.endpointId,
    A.affiliateCouponId,
    A.campaignCouponId,
    A.conversionId,
    A.affiliateId,
    A.campaignId,
  ];
  const forms: Record<string, string>[] = [];
  for (const intent of ["", ...intents]) {
    for (const id of ids) {
      forms.push({
        ...(intent ? { intent } : {}),
        id,
        affiliateId: A.affiliateId,
        campaign_coupon_id: A.campaignCouponId,
        coupon_id: A.campaignCouponId,
        code_id: A.affiliateCouponId,
        eventId: event.id,
        messageId: message?.id ?? A.endpointId,
        name: "Cross tenant",
        email: `cross-${intent}@tenant.test`,
        code: `XT${intent.toUpperCase().slice(0, 6)}`,
      });
    }
  }
  return forms;
}

describe("tenant matrix (generated from app/routes)", () => {
  it("classifies every route file", () => {
    expect(routes.length).toBeGreaterThan(40);
    figures.routes = routes.length;
  });

  it("brand B's session and API key never reach brand A's data", { timeout: 180_000 }, async () => {
    const { A, B } = w;
    const secretsA = await markers(w.db, A);
    const before = await brandDigest(w.db, A.brandId);
    const forms = await crossForms(A);
    const problems: unknown[] = [];
    const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    for (const route of routes.filter(
      (r) => r.access === "brand" || r.access === "session-api" || r.access === "api",
    )) {
      const useKey = route.access === "api";
      const principal = useKey ? { key: B.apiKey } : { jar: B.owner };
      if (route.params.length > 0) {
        // A's objects in the URL: 403/404 for every method.
        const { path, params } = fillParams(route, A);
        for (const method of useKey ? METHODS : ["GET", "POST"]) {
          const bodies =
            method === "GET"
              ? [undefined]
              : useKey || route.access === "session-api"
                ? [{}]
                : forms;
          for (const b of bodies) {
            const make = (p: string) =>
              request(
                method,
                p,
                useKey || route.access === "session-api"
                  ? { ...principal, json: b }
                  : { ...principal, form: b as Record<string, string> | undefined },
              );
            const o = await call(route, make(path), params);
            const leaked = leaks(o, secretsA);
            if (leaked.length > 0)
              problems.push({
                route: route.id,
                method,
                status: o.status,
                leaked: leaked.slice(0, 3),
              });
            if ([403, 404, 405].includes(o.status)) {
              figures.forbiddenOrNotFound++;
              continue;
            }
            // Anything else (e.g. a 400 for a body checked before the lookup) is fine only if it is
            // exactly what a made-up id gets: then it tells nothing about A's object.
            const fake = Object.fromEntries(Object.keys(params).map((k) => [k, randomUUID()]));
            let fakePath = path;
            for (const k of Object.keys(params)) fakePath = fakePath.replace(params[k], fake[k]);
            const f = await call(route, make(fakePath), fake);
            if (f.status !== o.status || f.text !== o.text)
              problems.push({
                route: route.id,
                method,
                status: o.status,
                fakeStatus: f.status,
                body: o.text.slice(0, 200),
              });
            else figures.indistinguishable++;
          }
        }
      } else {
        // B's own pages/lists: nothing of A's, whatever A ids are put in queries and forms.
        const { path, params } = fillParams(route, B);
        const query = `?affiliate_id=${A.affiliateId}&campaign_id=${A.campaignId}&affiliateId=${A.affiliateId}&campaignId=${A.campaignId}`;
        for (const q of ["", query]) {
          const o = await call(route, request("GET", path + q, principal), params);
          const leaked = leaks(o, secretsA);
          if (leaked.length > 0)
            problems.push({ route: route.id, method: "GET", query: q, leaked: leaked.slice(0, 3) });
        }
        if (route.module.action && !useKey && route.access === "brand") {
          for (const form of forms) {
            const o = await call(route, request("POST", path, { jar: B.owner, form }), params);
            const leaked = leaks(o, secretsA);
            if (leaked.length > 0)
              problems.push({
                route: route.id,
                method: "POST",
                intent: form.intent,
                leaked: leaked.slice(0, 3),
              });
          }
        }
      }
    }

    // API bodies that name A's objects.
    const api = (id: string) => routes.find((r) => r.id === id)!;
    const { rows: clicks } = await sql<{
      id: string;
    }>`select id from clicks where brand_id = ${A.brandId} limit 1`.execute(w.db);
    const cross: [RouteInfo, string, string, unknown, Record<string, string>][] = [
      [
        api("api.v1.affiliates"),
        "POST",
        "/api/v1/affiliates",
        { email: "x@tenant.test", name: "X", campaign_id: A.campaignId },
        {},
      ],
      [
        api("api.v1.conversions"),
        "POST",
        "/api/v1/conversions",
        { external_id: "xt-1", amount: 1000, currency: "usd", affiliate_id: A.affiliateId },
        {},
      ],
      [
        api("api.v1.conversions"),
        "POST",
        "/api/v1/conversions",
        {
          external_id: "xt-2",
          amount: 1000,
          currency: "usd",
          click_id: clicks[0]?.id ?? A.affiliateId,
        },
        {},
      ],
      [
        api("api.v1.affiliates.$affiliateId.coupons"),
        "POST",
        `/api/v1/affiliates/${B.affiliateId}/coupons`,
        { campaign_coupon_id: A.campaignCouponId },
        { affiliateId: B.affiliateId },
      ],
      [
        api("api.v1.campaigns.$campaignId.coupons"),
        "GET",
        `/api/v1/campaigns/${B.campaignId}/coupons`,
        undefined,
        { campaignId: B.campaignId },
      ],
    ];
    for (const [route, method, path, body, params] of cross) {
      const o = await call(route, request(method, path, { key: B.apiKey, json: body }), params);
      // An error message may quote the caller's own input back; anything else of A's is a leak.
      const sent = JSON.stringify(body ?? {});
      const leaked = leaks(
        o,
        secretsA.filter((m) => !sent.includes(m)),
      );
      if (leaked.length > 0 || (method === "POST" && o.status < 400))
        problems.push({ route: route.id, body, status: o.status, leaked });
    }

    if (problems.length)
      console.log(JSON.stringify(problems.slice(0, 40), null, 0).replace(/},{/g, "},\n{"));
    expect(problems.slice(0, 10)).toEqual([]);
    expect(await brandDigest(w.db, A.brandId)).toEqual(before);
    figures.crossTenantReads = problems.length;
  });

  it(
    "an affiliate sees neither another affiliate's data nor brand-only fields",
    { timeout: 120_000 },
    async () => {
      const { A, B } = w;
      const secretsA = await markers(w.db, A);
      const otherAffiliate = await affiliateMarkers(w.db, A.affiliateId);
      const brandOnly = [
        A.apiKeyPrefix,
        A.endpointUrl,
        A.endpointSecret,
        A.stripeKey,
        A.ownerEmail,
      ];
      const before = await brandDigest(w.db, A.brandId);
      const forms = await crossForms(A);
      const problems: unknown[] = [];
      for (const route of routes.filter((r) => r.access === "affiliate")) {
        // B's affiliate with A's objects: nothing.
        if (route.params.length > 0) {
          const { path, params } = fillParams(route, A);
          const o = await call(route, request("GET", path, { jar: B.affiliateUser }), params);
          if (![403, 404].includes(o.status) || leaks(o, secretsA).length > 0)
            problems.push({ route: route.id, who: "B affiliate", status: o.status });
          else figures.forbiddenOrNotFound++;
          for (const form of route.module.action ? forms : []) {
            const p = await call(
              route,
              request("POST", path, { jar: B.affiliateUser, form }),
              params,
            );
            if (![403, 404].includes(p.status) || leaks(p, secretsA).length > 0)
              problems.push({
                route: route.id,
                who: "B affiliate",
                intent: form.intent,
                status: p.status,
              });
          }
        }
        // A's other affiliate (a sub-affiliate of a1, enrolled in the same campaigns): its own view only.
        const { path, params } = fillParams(route, A);
        const o = await call(route, request("GET", path, { jar: A.otherAffiliateUser }), params);
        const leaked = leaks(o, [...otherAffiliate, ...brandOnly]);
        if (leaked.length > 0)
          problems.push({
            route: route.id,
            who: "A's other affiliate",
            status: o.status,
            leaked: leaked.slice(0, 3),
          });
        if (route.module.action) {
          for (const form of forms) {
            const p = await call(
              route,
              request("POST", path, { jar: A.otherAffiliateUser, form }),
              params,
            );
            const l = leaks(p, [...otherAffiliate, ...brandOnly]);
            if (l.length > 0)
              problems.push({
                route: route.id,
                who: "A's other affiliate",
                intent: form.intent,
                leaked: l.slice(0, 3),
              });
          }
        }
      }
      if (problems.length)
        console.log(JSON.stringify(problems.slice(0, 40), null, 0).replace(/},{/g, "},\n{"));
      expect(problems.slice(0, 10)).toEqual([]);
      // A's other affiliate may have made codes of its own; a1's rows must be untouched.
      const after = await brandDigest(w.db, A.brandId);
      const a1Codes = await w.db
        .selectFrom("affiliate_coupons")
        .selectAll()
        .where("affiliate_id", "=", A.affiliateId)
        .execute();
      expect(a1Codes.every((c) => c.active && c.deleted_at === null)).toBe(true);
      expect(after.campaigns).toBe(before.campaigns);
      expect(after.conversions).toBe(before.conversions);
      expect(after.commission_entries).toBe(before.commission_entries);
    },
  );

  it(
    "the wrong role and anonymous callers are turned away from every scoped route",
    { timeout: 120_000 },
    async () => {
      const { A } = w;
      const secretsA = await markers(w.db, A);
      const problems: unknown[] = [];
      const anonymous = new CookieJar();
      for (const route of routes.filter((r) => r.access !== "public")) {
        const { path, params } = fillParams(route, A);
        const callers: [string, CookieJar | undefined, string | undefined][] =
          route.access === "brand"
            ? [
                ["anonymous", anonymous, undefined],
                ["affiliate", A.affiliateUser, undefined],
              ]
            : route.access === "affiliate"
              ? [
                  ["anonymous", anonymous, undefined],
                  ["brand owner", A.owner, undefined],
                ]
              : route.access === "session-api"
                ? [
                    ["anonymous", anonymous, undefined],
                    ["affiliate", A.affiliateUser, undefined],
                  ]
                : [
                    ["no key", undefined, undefined],
                    ["bad key", undefined, "rk_live_" + "x".repeat(40)],
                    ["session instead of key", A.owner, undefined],
                  ];
        for (const [who, jar, key] of callers) {
          for (const method of route.module.action ? ["GET", "POST"] : ["GET"]) {
            const o = await call(
              route,
              request(method, path, {
                jar,
                key,
                form:
                  method === "POST" && route.access !== "api" && route.access !== "session-api"
                    ? {}
                    : undefined,
                json:
                  method === "POST" && (route.access === "api" || route.access === "session-api")
                    ? {}
                    : undefined,
              }),
              params,
            );
            const redirectOk =
              o.status >= 300 && o.status < 400 && /^\/(login|a|app)\b/.test(o.location ?? "");
            if (redirectOk) figures.redirects++;
            if (
              !(redirectOk || [401, 403, 404, 405].includes(o.status)) ||
              leaks(o, secretsA).length > 0
            ) {
              problems.push({
                route: route.id,
                who,
                method,
                status: o.status,
                location: o.location,
                body: o.text.slice(0, 120),
              });
            }
          }
        }
      }
      if (problems.length)
        console.log(JSON.stringify(problems.slice(0, 40), null, 0).replace(/},{/g, "},\n{"));
      expect(problems.slice(0, 10)).toEqual([]);
    },
  );
});
