/**
 * RELIABILITY 6 — security headers, the CSP and XSS payloads, in real processes and Chromium.
 * - `securityHeaders(config)` (app/security-headers.server.ts) on a tiny express app: CSP,
 *   frame-ancestors, nosniff, Referrer-Policy; HSTS exactly when APP_URL is https;
 * - `server.ts` (production) answers with nosniff, frame-ancestors 'none', X-Frame-Options and, on
 *   an https APP_URL, HSTS;
 * - the production server (server.ts, which mounts the middleware first) loads every
 *   page of the route list in Chromium without a single CSP violation, hydrates, and navigates on the
 *   client — while every user-controlled field (brand, campaign, affiliate, coupon, code, user, API
 *   key and endpoint names, URLs, conversion coupon codes) holds an XSS payload that must stay inert.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../app/db/embedded.server";
import { contentSecurityPolicy, securityHeaders } from "../../app/security-headers.server";
import { CHROMIUM } from "../e2e/harness";
import { baseEnv, recordFigures, startProc, type Proc } from "./procs";
import { fillParams, routeInventory } from "./routes";
import { buildWorld, type RelWorld } from "./world";

let w: RelWorld;
const procs: Proc[] = [];
let browser: Browser | undefined;

beforeAll(async () => {
  w = await buildWorld();
});
afterAll(async () => {
  await browser?.close().catch(() => {});
  for (const p of procs) await p.kill();
  await w?.close();
});

async function tinyApp(appUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(securityHeaders({ appUrl }));
  app.get("/", (_req, res) => void res.send("ok"));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function startServer(
  script: string,
  appUrlScheme: "http" | "https",
): Promise<{ proc: Proc; baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc = startProc(
    script,
    script,
    baseEnv({
      DATABASE_URL: w.aw.t.url,
      PORT: String(port),
      APP_URL: appUrlScheme === "https" ? `https://rekomi.example` : baseUrl,
      STRIPE_API_BASE: w.aw.emu.url,
    }),
  );
  procs.push(proc);
  await proc.waitForLine(/Rekomi is running/, 90_000);
  return { proc, baseUrl };
}

const XSS = {
  brand: `<img src=x onerror="window.__xss='brand'">`,
  campaign: `<script>window.__xss='campaign'</script>`,
  affiliate: `"><img src=x onerror="window.__xss='affiliate'">`,
  coupon: `<svg onload="window.__xss='coupon'">`,
  user: `<iframe srcdoc="<script>parent.__xss='user'</script>">`,
  key: `<img src=x onerror="window.__xss='key'">`,
  code: `<img src=x onerror="window.__xss='code'">`,
};

describe("security headers and inert XSS payloads", () => {
  it("securityHeaders(): CSP, nosniff, frame-ancestors; HSTS only on https", async () => {
    for (const [appUrl, hsts] of [
      ["http://localhost:3000", false],
      ["https://rekomi.example", true],
    ] as const) {
      const s = await tinyApp(appUrl);
      const res = await fetch(s.url);
      await s.close();
      expect(res.headers.get("content-security-policy")).toBe(contentSecurityPolicy());
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("strict-transport-security") !== null).toBe(hsts);
    }
  });

  it("server.ts sends nosniff, frame-ancestors 'none' and, on https, HSTS", async () => {
    const { baseUrl, proc } = await startServer("server.ts", "https");
    const res = await fetch(`${baseUrl}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    // Issue 15: on https the CSRF cookie carries the __Host- prefix (Secure, Path=/, no Domain),
    // and a planted unprefixed token is neither kept nor rendered into the form.
    const csrf = res.headers.getSetCookie().find((c) => c.startsWith("__Host-rekomi_csrf="));
    expect(csrf).toMatch(
      /^__Host-rekomi_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    const planted = "p".repeat(43);
    const again = await fetch(`${baseUrl}/login`, {
      headers: { Cookie: `__rekomi_csrf=${planted}` },
    });
    expect(await again.text()).not.toContain(planted);
    expect(again.headers.getSetCookie().some((c) => c.startsWith("__Host-rekomi_csrf="))).toBe(
      true,
    );
    await proc.kill();
  });

  it(
    "every page works under the CSP and renders XSS payloads inert",
    { timeout: 240_000 },
    async () => {
      const { A } = w;
      const db = w.db;
      // Hostile values in every user-controlled field (written directly, as if some input let them in).
      await db.updateTable("brands").set({ name: XSS.brand }).where("id", "=", A.brandId).execute();
      await db
        .updateTable("campaigns")
        .set({ name: XSS.campaign, destination_url: "javascript:window.__xss='dest'" })
        .where("brand_id", "=", A.brandId)
        .execute();
      await db
        .updateTable("affiliates")
        .set({ name: XSS.affiliate })
        .where("brand_id", "=", A.brandId)
        .execute();
      await db
        .updateTable("campaign_coupons")
        .set({ name: XSS.coupon })
        .where("brand_id", "=", A.brandId)
        .execute();
      await db
        .updateTable("users")
        .set({ name: XSS.user })
        .where("id", "in", [A.ownerUserId, A.affiliateUserId])
        .execute();
      await db
        .updateTable("api_keys")
        .set({ name: XSS.key })
        .where("brand_id", "=", A.brandId)
        .execute();
      await db
        .updateTable("conversions")
        .set({ coupon_code: XSS.code })
        .where("brand_id", "=", A.brandId)
        .execute();
      await db
        .updateTable("webhook_endpoints")
        .set({ url: `https://hooks.example/?q="><script>window.__xss='hook'</script>` })
        .where("brand_id", "=", A.brandId)
        .execute();

      const { baseUrl } = await startServer("server.ts", "http");
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      });
      const pages: { path: string; who: "owner" | "affiliate" | "anonymous" }[] = [];
      for (const r of await routeInventory()) {
        if (!r.module.default || !r.module.loader) continue;
        if (r.access === "brand") pages.push({ path: fillParams(r, A).path, who: "owner" });
        if (r.access === "affiliate") pages.push({ path: fillParams(r, A).path, who: "affiliate" });
        if (r.access === "public") pages.push({ path: fillParams(r, A).path, who: "anonymous" });
      }
      pages.push({ path: "/login?redirectTo=javascript:alert(1)", who: "anonymous" });
      const problems: unknown[] = [];
      let visited = 0;
      for (const who of ["owner", "affiliate", "anonymous"] as const) {
        const context = await browser.newContext({ baseURL: baseUrl });
        const jar = who === "owner" ? A.owner : who === "affiliate" ? A.affiliateUser : null;
        const session = jar?.get("__rekomi_session");
        if (session)
          await context.addCookies([{ name: "__rekomi_session", value: session, url: baseUrl }]);
        await context.addInitScript(() => {
          const v: string[] = [];
          (window as unknown as { __csp: string[] }).__csp = v;
          document.addEventListener("securitypolicyviolation", (e) =>
            v.push(
              `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
            ),
          );
        });
        const page = await context.newPage();
        const dialogs: string[] = [];
        page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        const consoleCsp: string[] = [];
        page.on("console", (m) => {
          if (
            /Content Security Policy/i.test(m.text()) &&
            !/evaluate a string as JavaScript/.test(m.text())
          )
            consoleCsp.push(m.text());
        });
        for (const p of pages.filter((x) => x.who === who)) {
          const res = await page.goto(p.path, { waitUntil: "load" });
          visited++;
          const status = res?.status() ?? 0;
          const hydrated = await page
            .waitForFunction(
              () => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined,
              null,
              { timeout: 5000 },
            )
            .then(
              () => true,
              () => false,
            );
          await page.waitForTimeout(100);
          const state = await page.evaluate(() => ({
            xss: (window as unknown as { __xss?: string }).__xss ?? null,
            // eval stays blocked: zod's JIT probe (`new Function("")` in a try/catch) is refused once
            // per page and zod falls back to its interpreter. Any other violation is a problem.
            csp: (window as unknown as { __csp: string[] }).__csp.filter(
              (v) => !v.startsWith("script-src eval "),
            ),
            injected: document.querySelectorAll('img[src="x"], svg[onload], iframe[srcdoc]').length,
            jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
          }));
          if (
            status >= 500 ||
            !hydrated ||
            state.xss ||
            state.csp.length > 0 ||
            state.injected > 0 ||
            state.jsLinks > 0 ||
            dialogs.length > 0
          ) {
            problems.push({ who, path: p.path, status, hydrated, ...state, dialogs: [...dialogs] });
          }
          dialogs.length = 0;
        }
        if (consoleCsp.length > 0) problems.push({ who, consoleCsp: consoleCsp.slice(0, 3) });
        if (who === "owner") {
          // Client-side navigation works under the CSP (no full page load).
          await page.goto("/app", { waitUntil: "load" });
          await page.waitForFunction(
            () => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined,
          );
          await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 1));
          await page.click('a[href="/app/campaigns"]');
          await page.waitForURL("**/app/campaigns");
          expect(
            await page.evaluate(() => (window as unknown as { __marker?: number }).__marker),
          ).toBe(1);
        }
        await context.close();
      }
      if (problems.length > 0) console.log(JSON.stringify(problems).replace(/},{/g, "},\n{"));
      recordFigures("xss-csp", {
        pagesVisited: visited,
        payloadFields: Object.keys(XSS).length + 2,
        problems: problems.length,
      });
      expect(problems).toEqual([]);
      expect(visited).toBeGreaterThan(20);
    },
  );
});
