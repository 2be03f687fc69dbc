/**
 * RELIABILITY 6 — security (the in-process half; headers, CSP and XSS in a browser are in
 * security-headers.test.ts):
 * - the session id is rotated at login and the old one stops working;
 * - CSRF: every form action (generated from the route list) answers 403 without the token, with a
 *   wrong one, and with a body that is not a form; session-auth JSON routes need X-CSRF-Token;
 * - API keys, Stripe keys and webhook secrets never appear in plain text in the database (every
 *   column of every table, graphile-worker jobs included) nor in anything logged while they are
 *   created and used;
 * - open redirects: login's redirectTo only ever leads to our own origin; URL fields refuse
 *   javascript: and other non-http(s) schemes;
 * - CSV exports neutralise formula cells;
 * - password reset/change: the app has none (nothing to invalidate); documented in docs/reliability.md.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getUser } from "../../app/auth/guards.server";
import {
  loadStripeCredentials,
  loadWebhookSecret,
} from "../../app/services/stripe-account/stripe-connection.server";
import { CookieJar, TEST_CSRF } from "../helpers/context";
import { recordFigures } from "./procs";
import { callRoute, fillParams, routeInventory, type RouteInfo } from "./routes";
import { buildWorld, type RelWorld } from "./world";

let w: RelWorld;
let routes: RouteInfo[];
const BASE = "http://localhost:3000";
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  w = await buildWorld();
  routes = await routeInventory();
});
afterAll(async () => {
  recordFigures("security", figures);
  await w?.close();
});

const route = (id: string) => routes.find((r) => r.id === id)!;

function loginRequest(email: string, password: string, jar: CookieJar, redirectTo = ""): Request {
  return new Request(`${BASE}/login`, {
    method: "POST",
    headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, redirectTo, _csrf: TEST_CSRF }),
  });
}

function withoutCsrfCookie(jar: CookieJar): string {
  return jar
    .header()
    .split("; ")
    .filter((c) => !c.startsWith("__rekomi_csrf="))
    .join("; ");
}

/** Every text value in the database (all tables of public and graphile_worker), as one string per row. */
async function databaseText(): Promise<string[]> {
  const { rows: tables } = await sql<{ s: string; t: string }>`
    select table_schema as s, table_name as t from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema in ('public', 'graphile_worker')`.execute(
    w.db,
  );
  const out: string[] = [];
  for (const { s, t } of tables) {
    const { rows } = await sql<{
      r: string;
    }>`select x::text as r from ${sql.table(`${s}.${t}`)} x`.execute(w.db);
    for (const r of rows) out.push(`${s}.${t}: ${r.r}`);
  }
  return out;
}

describe("security", () => {
  it("rotates the session id at login; the old id stops working", async () => {
    const login = route("login");
    // A browser that is already signed in (as the other brand's owner) signs in as A's owner.
    const jar = new CookieJar().absorb(
      new Response(null, {
        headers: { "Set-Cookie": `__rekomi_session=${w.B.owner.get("__rekomi_session")}; Path=/` },
      }),
    );
    const before = jar.get("__rekomi_session")!;
    const beforeIds = (await w.db.selectFrom("sessions").select("id").execute()).map((r) => r.id);
    const res = await callRoute(
      login.module.action,
      loginRequest(w.A.ownerEmail, "correct-horse-battery", jar),
      {},
      w.ctx,
    );
    expect(res.status).toBe(302);
    const raw = await login.module.action!({
      request: loginRequest(w.A.ownerEmail, "correct-horse-battery", jar),
      params: {},
      context: w.ctx,
    } as never);
    const after = new CookieJar().absorb(raw as Response).get("__rekomi_session");
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    const afterIds = (await w.db.selectFrom("sessions").select("id").execute()).map((r) => r.id);
    const created = afterIds.filter((id) => !beforeIds.includes(id));
    expect(created.length).toBeGreaterThan(0);
    // The pre-login session no longer authenticates anyone.
    const old = await getUser(
      new Request(`${BASE}/app`, { headers: { Cookie: `__rekomi_session=${before}` } }),
      w.ctx,
    );
    expect(old).toBeNull();
    const fresh = await getUser(
      new Request(`${BASE}/app`, { headers: { Cookie: `__rekomi_session=${after}` } }),
      w.ctx,
    );
    expect(fresh?.id).toBe(w.A.ownerUserId);
  });

  it("every form action (from the route list) refuses a missing, wrong or unreadable CSRF token", async () => {
    const forms = routes.filter(
      (r) =>
        r.module.action &&
        !["api", "session-api"].includes(r.access) &&
        !r.id.startsWith("webhooks.") &&
        r.id !== "api.v1.$" &&
        !r.id.startsWith("api.v1."),
    );
    const problems: unknown[] = [];
    let checked = 0;
    for (const r of forms) {
      const { path, params } = fillParams(r, w.A);
      const jar = r.access === "affiliate" ? w.A.affiliateUser : w.A.owner;
      const variants: [string, RequestInit][] = [
        [
          "missing",
          {
            body: new URLSearchParams({ intent: "delete", name: "x" }),
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
          },
        ],
        [
          "wrong",
          {
            body: new URLSearchParams({ intent: "delete", _csrf: "w".repeat(43) }),
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
          },
        ],
        [
          "no CSRF cookie",
          {
            body: new URLSearchParams({ intent: "delete", _csrf: TEST_CSRF }),
            headers: {
              "Content-Type": "application/x-www-form-urlencoded",
              Cookie: withoutCsrfCookie(jar),
            },
          },
        ],
        [
          "json body",
          {
            body: JSON.stringify({ _csrf: TEST_CSRF }),
            headers: { "Content-Type": "application/json", Cookie: jar.header() },
          },
        ],
        ["no body", { headers: { Cookie: jar.header() } }],
      ];
      for (const [name, init] of variants) {
        const o = await callRoute(
          r.module.action,
          new Request(BASE + path, { method: "POST", ...init }),
          params,
          w.ctx,
        ).catch((e: Error) => ({ status: 500, text: e.message }));
        checked++;
        if (o.status !== 403)
          problems.push({
            route: r.id,
            variant: name,
            status: o.status,
            body: o.text.slice(0, 100),
          });
      }
    }
    for (const r of routes.filter((x) => x.access === "session-api")) {
      const { path, params } = fillParams(r, w.A);
      const o = await callRoute(
        r.module.action,
        new Request(BASE + path, {
          method: "POST",
          body: "{}",
          headers: { "Content-Type": "application/json", Cookie: w.A.owner.header() },
        }),
        params,
        w.ctx,
      );
      checked++;
      if (o.status !== 403)
        problems.push({ route: r.id, variant: "no X-CSRF-Token", status: o.status });
    }
    figures.csrfChecks = checked;
    figures.csrfActions = forms.length;
    expect(problems).toEqual([]);
    expect(forms.length).toBeGreaterThan(15);
  });

  it("keeps API keys, Stripe keys and webhook secrets out of the database and the logs", async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) =>
      void logged.push(
        args
          .map((a) =>
            a instanceof Error
              ? `${a.message} ${a.stack}`
              : typeof a === "string"
                ? a
                : JSON.stringify(a),
          )
          .join(" "),
      );
    const spies = [
      vi.spyOn(console, "log").mockImplementation(capture),
      vi.spyOn(console, "error").mockImplementation(capture),
      vi.spyOn(console, "warn").mockImplementation(capture),
      vi.spyOn(console, "info").mockImplementation(capture),
    ];
    const secrets: string[] = [];
    try {
      // An API key made through the settings page, then used (well and badly).
      const keys = route("app.settings.api-keys");
      const made = await callRoute(
        keys.module.action,
        new Request(`${BASE}/app/settings/api-keys`, {
          method: "POST",
          headers: {
            Cookie: w.A.owner.header(),
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ intent: "create", name: "Secret scan", _csrf: TEST_CSRF }),
        }),
        {},
        w.ctx,
      );
      const created = /rk_live_[A-Za-z0-9_-]{20,}/.exec(made.text)?.[0];
      expect(created, made.text.slice(0, 300)).toBeTruthy();
      secrets.push(created!, w.A.apiKey, w.B.apiKey);
      const campaigns = route("api.v1.campaigns");
      for (const auth of [
        `Bearer ${created}`,
        `Bearer ${created}x`,
        `Basic ${created}`,
        created!,
      ]) {
        await callRoute(
          campaigns.module.loader,
          new Request(`${BASE}/api/v1/campaigns?limit=oops`, { headers: { Authorization: auth } }),
          {},
          w.ctx,
        );
        await callRoute(
          campaigns.module.action,
          new Request(`${BASE}/api/v1/campaigns`, {
            method: "POST",
            headers: {
              Authorization: auth,
              "Content-Type": "application/json",
              "Idempotency-Key": "k1",
            },
            body: "{bad json",
          }),
          {},
          w.ctx,
        );
      }
      // Stripe: the restricted key pasted by the brand and the signing secret Stripe returned.
      for (const t of [w.A, w.B]) {
        const creds = await loadStripeCredentials(w.db, w.aw.config, t.brandId);
        const hook = await loadWebhookSecret(w.db, w.aw.config, t.brandId);
        expect(creds?.secretKey).toBe(t.stripeKey);
        secrets.push(t.stripeKey, hook!.webhookSecret, t.endpointSecret);
      }
      // Connect again through the settings page with a fresh key.
      const stripePage = route("app.settings.stripe");
      const freshKey = `rk_test_scan${Date.now()}abcdef`;
      await callRoute(
        stripePage.module.action,
        new Request(`${BASE}/app/settings/stripe`, {
          method: "POST",
          headers: {
            Cookie: w.B.owner.header(),
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ intent: "connect", secret_key: freshKey, _csrf: TEST_CSRF }),
        }),
        {},
        w.ctx,
      );
      const fresh = await loadStripeCredentials(w.db, w.aw.config, w.B.brandId);
      if (fresh?.secretKey === freshKey)
        secrets.push(
          freshKey,
          (await loadWebhookSecret(w.db, w.aw.config, w.B.brandId))!.webhookSecret,
        );
    } finally {
      for (const s of spies) s.mockRestore();
    }
    const rows = await databaseText();
    const inDb = secrets.flatMap((s) =>
      rows.filter((r) => r.includes(s)).map((r) => `${s.slice(0, 12)}… in ${r.slice(0, 60)}`),
    );
    const inLogs = secrets.flatMap((s) =>
      logged
        .filter((l) => l.includes(s))
        .map((l) => `${s.slice(0, 12)}… in log: ${l.slice(0, 80)}`),
    );
    figures.secretsScanned = secrets.length;
    figures.databaseRowsScanned = rows.length;
    figures.logLinesScanned = logged.length;
    expect(inDb).toEqual([]);
    expect(inLogs).toEqual([]);
  });

  it("login never redirects off-site, whatever redirectTo says", async () => {
    const login = route("login");
    const payloads = [
      "//evil.example",
      "https://evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "javascript:alert(1)",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      " //evil.example",
      "/ /evil.example",
      "%2F%2Fevil.example",
      "/%2F/evil.example",
      "/%09/evil.example",
      "https:evil.example",
      "data:text/html,x",
      "/app?next=//evil.example",
      "/\\/evil.example",
      "/\u3000/evil.example",
    ];
    const problems: unknown[] = [];
    for (const p of payloads) {
      const jar = new CookieJar();
      const o = await callRoute(
        login.module.action,
        loginRequest(w.A.ownerEmail, "correct-horse-battery", jar, p),
        {},
        w.ctx,
      ).catch((e: Error) => ({ status: 500, location: e.message }));
      const location = o.location ?? "";
      // What a browser makes of it (it drops tabs and newlines, reads backslashes as slashes).
      const resolved = new URL(location, "https://rekomi.example");
      if (o.status !== 302 || resolved.origin !== "https://rekomi.example")
        problems.push({ payload: p, status: o.status, location });
    }
    figures.openRedirectPayloads = payloads.length;
    expect(problems).toEqual([]);
  });

  it("URL fields accept only http(s) URLs", async () => {
    const campaigns = route("api.v1.campaigns");
    const endpoints = route("api.v1.webhook_endpoints");
    const bad = [
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:x",
      "file:///etc/passwd",
      "JaVaScRiPt:alert(1)",
      " javascript:alert(1)",
      "//evil.example",
    ];
    const problems: unknown[] = [];
    for (const u of bad) {
      const c = await callRoute(
        campaigns.module.action,
        new Request(`${BASE}/api/v1/campaigns`, {
          method: "POST",
          headers: { Authorization: `Bearer ${w.A.apiKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            name: "Bad URL",
            destination_url: u,
            commission: { type: "percent", percent: 10 },
          }),
        }),
        {},
        w.ctx,
      );
      if (c.status !== 400) problems.push({ field: "destination_url", url: u, status: c.status });
      const e = await callRoute(
        endpoints.module.action,
        new Request(`${BASE}/api/v1/webhook_endpoints`, {
          method: "POST",
          headers: { Authorization: `Bearer ${w.A.apiKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({ url: u, events: ["conversion.created"] }),
        }),
        {},
        w.ctx,
      );
      if (e.status !== 400) problems.push({ field: "webhook url", url: u, status: e.status });
    }
    expect(problems).toEqual([]);
  });

  it("CSV exports neutralise formula payloads", async () => {
    const payload = `=HYPERLINK("https://evil.example","x")`;
    await w.db
      .updateTable("conversions")
      .set({ coupon_code: payload })
      .where("brand_id", "=", w.A.brandId)
      .execute();
    const problems: unknown[] = [];
    for (const id of ["app.conversions.export[.]csv", "api.v1.conversions.export[.]csv"]) {
      const r = route(id);
      const o = await callRoute(
        r.module.loader,
        new Request(`${BASE}${r.pattern}`, {
          headers: { Cookie: w.A.owner.header(), Authorization: `Bearer ${w.A.apiKey}` },
        }),
        {},
        w.ctx,
      );
      expect(o.status, `${id}: ${o.text.slice(0, 200)}`).toBe(200);
      const cells = o.text.split(/\r?\n/).flatMap((line) => line.split(","));
      const dangerous = cells.filter((c) => /^"?[=+\-@\t\r]/.test(c) && c.includes("HYPERLINK"));
      if (dangerous.length > 0) problems.push({ route: id, cells: dangerous.slice(0, 2) });
      if (!o.text.includes("HYPERLINK"))
        problems.push({ route: id, missing: "the coupon_code column" });
    }
    expect(problems).toEqual([]);
  });
});
