import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_OPERATIONS } from "../../app/api/openapi.server";
import * as openapiRoute from "../../app/routes/api.v1.openapi[.]json";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, type RouteModule } from "./helpers";

/** Every /api/v1 method + path of DESIGN.md section 7, spelled as there. */
const CONTRACT: Record<string, string[]> = {
  "/campaigns": ["get", "post"],
  "/campaigns/{programId}": ["get", "patch"],
  "/campaigns/{programId}/coupons": ["get", "post"],
  "/campaigns/{programId}/coupons/{id}": ["get", "patch", "delete"],
  "/affiliates": ["get", "post"],
  "/affiliates/{affiliateId}": ["get"],
  "/affiliates/{affiliateId}/coupons": ["get", "post"],
  "/affiliates/{affiliateId}/coupons/{id}": ["delete"],
  "/conversions": ["get", "post"],
  "/conversions/{id}": ["get"],
  "/conversions/export.csv": ["get"],
  "/webhook_endpoints": ["get", "post"],
  "/webhook_endpoints/{id}": ["delete"],
  "/stripe_connection": ["get", "put", "delete"],
  "/openapi.json": ["get"],
};

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const ROUTES_DIR = path.resolve(__dirname, "../../app/routes");

/** `api.v1.campaigns.$campaignId.coupons.ts` -> `/campaigns/{}/coupons`; `export[.]csv` -> `export.csv`. */
function routeFileToPath(file: string): string | null {
  const base = file.replace(/\.(ts|tsx)$/, "");
  if (!base.startsWith("api.v1.")) return null;
  const rest = base.slice("api.v1.".length);
  if (rest === "$") return null; // the 404 splat
  const segments = rest
    .replace(/\[\.\]/g, "~dot~")
    .split(".")
    .map((s) => s.replace(/~dot~/g, ".").replace(/_$/, ""))
    .filter((s) => s !== "_index" && !s.startsWith("_"));
  return "/" + segments.map((s) => (s.startsWith("$") ? "{}" : s)).join("/");
}

const normalize = (p: string) => p.replace(/\{[^}]+\}/g, "{}");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

describe("GET /api/v1/openapi.json", () => {
  let t: TestDatabase;
  let doc: Doc;

  beforeAll(async () => {
    t = await createTestDatabase();
    const res = await apiCall(openapiRoute as unknown as RouteModule, t.db, {
      path: "/api/v1/openapi.json",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    doc = res.json;
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("is served without an API key and is structurally valid OpenAPI 3.1", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe("string");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.servers[0].url).toBe("http://localhost:3000/api/v1");
    expect(doc.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: "http", scheme: "bearer" }),
    );
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const [p, item] of Object.entries<Doc>(doc.paths)) {
      expect(p.startsWith("/")).toBe(true);
      const templateParams = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries<Doc>(item)) {
        expect(METHODS).toContain(method);
        expect(typeof op.summary).toBe("string");
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [code, r] of Object.entries<Doc>(op.responses)) {
          expect(code).toMatch(/^[1-5]\d\d$/);
          expect(typeof r.description).toBe("string");
        }
        const pathParams = (op.parameters ?? []).filter((x: Doc) => x.in === "path");
        expect(pathParams.map((x: Doc) => x.name).sort()).toEqual(templateParams);
        for (const prm of pathParams) expect(prm.required).toBe(true);
        if (p !== "/openapi.json") expect(op.responses["401"]).toBeDefined();
        if (op.requestBody) expect(op.responses["400"]).toBeDefined();
      }
    }
  });

  it("every $ref resolves to a component", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.slice(8, -1);
      expect(target.startsWith("#/components/schemas/")).toBe(true);
      expect(doc.components.schemas[target.slice("#/components/schemas/".length)]).toBeDefined();
    }
  });

  it("documents every path and method of the public contract", () => {
    for (const [p, methods] of Object.entries(CONTRACT)) {
      expect(doc.paths[p], p).toBeDefined();
      expect(Object.keys(doc.paths[p]).sort(), p).toEqual([...methods].sort());
    }
  });

  it("shapes match the contract's field lists", () => {
    const s = doc.components.schemas;
    const keys = (name: string) => Object.keys(s[name].properties).sort();
    expect(keys("Campaign")).toEqual([
      "commission",
      "created_at",
      "destination_url",
      "id",
      "name",
      "recurring_months",
      "sub_affiliate_override_percent",
    ]);
    expect(keys("Affiliate")).toEqual([
      "created_at",
      "email",
      "id",
      "invitation",
      "link",
      "name",
      "parent_affiliate_id",
      "status",
    ]);
    expect(keys("CampaignCoupon")).toEqual([
      "allow_affiliate_self_service",
      "campaign_id",
      "created_at",
      "discount",
      "duration",
      "duration_in_months",
      "id",
      "max_codes_per_affiliate",
      "max_redemptions",
      "name",
      "overrides_click_attribution",
      "redeem_by",
      "stripe_coupon_id",
      "stripe_status",
    ]);
    expect(keys("AffiliateCoupon")).toEqual([
      "active",
      "affiliate_id",
      "campaign_coupon_id",
      "code",
      "created_at",
      "created_by",
      "id",
      "max_redemptions",
      "redemption_count",
      "stripe_promotion_code_id",
      "stripe_status",
    ]);
    expect(keys("Conversion")).toEqual([
      "affiliate_id",
      "amount",
      "attribution_method",
      "campaign_id",
      "commission_amount",
      "coupon_code",
      "created_at",
      "currency",
      "decision",
      "id",
      "occurred_at",
      "refunded_amount",
      "status",
      "stripe",
    ]);
    expect(keys("WebhookEndpoint")).toEqual(["enabled", "events", "id", "url"]);
    expect(keys("WebhookEndpointCreated")).toEqual(["enabled", "events", "id", "secret", "url"]);
    expect(keys("StripeConnection")).toEqual(["connected", "livemode", "webhook_endpoint_id"]);
    expect(keys("Error")).toEqual(["error"]);
    expect(s.Error.properties.error.properties.type.enum).toEqual(
      expect.arrayContaining([
        "invalid_request",
        "authentication",
        "permission",
        "plan_required",
        "not_found",
        "conflict",
        "rate_limited",
        "stripe_error",
      ]),
    );
    expect(Object.keys(s.CampaignCreate.properties)).toEqual(
      expect.arrayContaining([
        "name",
        "destination_url",
        "commission",
        "recurring_months",
        "sub_affiliate_override_percent",
        "cookie_window_days",
        "auto_approve",
      ]),
    );
    expect(s.CampaignCreate.required.sort()).toEqual(["commission", "destination_url", "name"]);
    expect(s.AffiliateCreate.required.sort()).toEqual(["campaign_id", "email", "name"]);
    expect(s.CampaignCreate.additionalProperties).toBe(false);
  });

  it("lists: limit/cursor query params and the {data, has_more, next_cursor} shape", () => {
    for (const [p, item] of Object.entries<Doc>(doc.paths)) {
      const get = item.get;
      const schema = get?.responses["200"]?.content?.["application/json"]?.schema;
      if (!schema?.$ref?.endsWith("List")) continue;
      const names = get.parameters.filter((x: Doc) => x.in === "query").map((x: Doc) => x.name);
      expect(names, p).toEqual(expect.arrayContaining(["limit", "cursor"]));
      const list = doc.components.schemas[schema.$ref.split("/").pop()];
      expect(Object.keys(list.properties).sort()).toEqual(["data", "has_more", "next_cursor"]);
    }
  });

  it("every app/routes/api.v1.* route file maps to a documented path with the same methods", async () => {
    const files = readdirSync(ROUTES_DIR).filter(
      (f) => f.startsWith("api.v1.") && /\.(ts|tsx)$/.test(f),
    );
    expect(files.length).toBeGreaterThanOrEqual(7);
    const documented = new Map(Object.keys(doc.paths).map((p) => [normalize(p), p]));
    for (const file of files) {
      const routePath = routeFileToPath(file);
      if (routePath === null) continue;
      const docPath = documented.get(routePath);
      expect(docPath, `${file} -> ${routePath} is not in the OpenAPI document`).toBeDefined();
      // The route's own 405 answer lists the methods it implements (checked before auth).
      const mod = (await import(/* @vite-ignore */ path.join(ROUTES_DIR, file))) as RouteModule;
      const params = Object.fromEntries(
        [...file.matchAll(/\$(\w+)/g)].map((m) => [m[1], "00000000-0000-4000-8000-000000000000"]),
      );
      const res = await mod.action({
        request: new Request(`http://localhost:3000/api/v1${routePath}`, { method: "PROPFIND" }),
        params,
        context: testContext(t.db),
      } as Parameters<RouteModule["action"]>[0]);
      expect(res.status, file).toBe(405);
      const allow = (res.headers.get("Allow") ?? "")
        .split(/,\s*/)
        .map((m) => m.toLowerCase())
        .sort();
      expect(allow, `${file} methods vs document`).toEqual(Object.keys(doc.paths[docPath!]).sort());
    }
  });

  it("API_OPERATIONS and the document agree", () => {
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(API_OPERATIONS).sort());
  });
});
