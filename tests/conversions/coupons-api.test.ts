import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as affCodeRoute from "../../app/routes/api.v1.affiliates.$affiliateId.coupons.$id";
import * as affCodesRoute from "../../app/routes/api.v1.affiliates.$affiliateId.coupons";
import * as couponRoute from "../../app/routes/api.v1.campaigns.$campaignId.coupons.$id";
import * as couponsRoute from "../../app/routes/api.v1.campaigns.$campaignId.coupons";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import { insertConnection } from "../stripe/helpers";
import { apiCall, type RouteModule, UUID } from "../api/helpers";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  type CouponWorld,
  expireTrial,
  startWorld,
} from "../coupons/helpers";

const coupons = couponsRoute as unknown as RouteModule;
const coupon = couponRoute as unknown as RouteModule;
const codes = affCodesRoute as unknown as RouteModule;
const code = affCodeRoute as unknown as RouteModule;

describe("/api/v1 coupons and affiliate codes", () => {
  let w: CouponWorld;
  let a: BrandSetup & { apiKey: string };
  let b: BrandSetup & { apiKey: string };
  let affiliateId: string;

  const keyFor = async (s: BrandSetup) =>
    (await createApiKey(w.t.db, { brandId: s.brandId, name: "k" })).apiKey;
  const call = (route: RouteModule, opts: Parameters<typeof apiCall>[2]) =>
    apiCall(route, w.t.db, { context: w.ctx, ...opts });

  beforeAll(async () => {
    w = await startWorld();
    const sa = await brandSetup(w, { name: "Acme" });
    a = { ...sa, apiKey: await keyFor(sa) };
    const sb = await brandSetup(w, { name: "Beta" });
    b = { ...sb, apiKey: await keyFor(sb) };
    affiliateId = (await affiliateJoins(w.t.db, a.campaignId, "Sarah")).affiliateId;
  });
  afterAll(async () => {
    await w.close();
  });

  const createCoupon = (
    s: { campaignId: string; apiKey: string },
    body: unknown,
    headers?: Record<string, string>,
  ) =>
    call(coupons, {
      method: "POST",
      path: `/api/v1/campaigns/${s.campaignId}/coupons`,
      key: s.apiKey,
      body,
      headers,
      params: { campaignId: s.campaignId },
    });

  describe("campaign coupons", () => {
    let couponId: string;

    it("POST creates the coupon and its Stripe coupon (201)", async () => {
      const res = await createCoupon(a, {
        name: "Spring 20",
        discount: { type: "percent", percent_off: 20 },
        duration: "repeating",
        duration_in_months: 3,
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        id: expect.stringMatching(UUID),
        campaign_id: a.campaignId,
        name: "Spring 20",
        discount: { type: "percent", percent_off: 20 },
        duration: "repeating",
        duration_in_months: 3,
        max_redemptions: null,
        redeem_by: null,
        overrides_click_attribution: true,
        allow_affiliate_self_service: false,
        stripe_coupon_id: expect.any(String),
      });
      couponId = res.json.id;
    });

    it("GET lists (paginated) and gets one", async () => {
      await createCoupon(a, {
        name: "Flat 10",
        discount: { type: "amount", amount_off: 1000, currency: "usd" },
        duration: "once",
      });
      const page1 = await call(coupons, {
        path: `/api/v1/campaigns/${a.campaignId}/coupons?limit=1`,
        key: a.apiKey,
        params: { campaignId: a.campaignId },
      });
      expect(page1.status).toBe(200);
      expect(page1.json.data).toHaveLength(1);
      expect(page1.json.has_more).toBe(true);
      const page2 = await call(coupons, {
        path: `/api/v1/campaigns/${a.campaignId}/coupons?limit=1&cursor=${page1.json.next_cursor}`,
        key: a.apiKey,
        params: { campaignId: a.campaignId },
      });
      expect(page2.json.data[0].id).toBe(couponId);
      expect(page2.json.has_more).toBe(false);
      const got = await call(coupon, {
        path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        params: { campaignId: a.campaignId, id: couponId },
      });
      expect(got.status).toBe(200);
      expect(got.json.id).toBe(couponId);
    });

    it("PATCH changes the name and toggles", async () => {
      const res = await call(coupon, {
        method: "PATCH",
        path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        body: { name: "Spring twenty", overrides_click_attribution: false },
        params: { campaignId: a.campaignId, id: couponId },
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ name: "Spring twenty", overrides_click_attribution: false });
      const bad = await call(coupon, {
        method: "PATCH",
        path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        body: { discount: { type: "percent", percent_off: 5 } },
        params: { campaignId: a.campaignId, id: couponId },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ type: "invalid_request", param: "discount" });
    });

    it("invalid bodies are 400 naming the param", async () => {
      for (const [body, param] of [
        [{ discount: { type: "percent", percent_off: 10 }, duration: "once" }, "name"],
        [
          { name: "x", discount: { type: "percent", percent_off: 0 }, duration: "once" },
          "discount.percent_off",
        ],
        [
          { name: "x", discount: { type: "percent", percent_off: 10 }, duration: "weekly" },
          "duration",
        ],
        [
          { name: "x", discount: { type: "percent", percent_off: 10 }, duration: "repeating" },
          "duration_in_months",
        ],
        [
          {
            name: "x".repeat(60),
            discount: { type: "percent", percent_off: 10 },
            duration: "once",
          },
          "name",
        ],
      ] as const) {
        const res = await createCoupon(a, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error).toMatchObject({ type: "invalid_request", param });
      }
    });

    it("another brand's campaign or coupon is 404", async () => {
      const list = await call(coupons, {
        path: `/api/v1/campaigns/${a.campaignId}/coupons`,
        key: b.apiKey,
        params: { campaignId: a.campaignId },
      });
      expect(list.status).toBe(404);
      const created = await createCoupon(
        { campaignId: a.campaignId, apiKey: b.apiKey },
        {
          name: "x",
          discount: { type: "percent", percent_off: 10 },
          duration: "once",
        },
      );
      expect(created.status).toBe(404);
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const res = await call(coupon, {
          method,
          path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
          key: b.apiKey,
          body: method === "PATCH" ? { name: "hijack" } : undefined,
          params: { campaignId: a.campaignId, id: couponId },
        });
        expect(res.status, method).toBe(404);
        expect(res.json.error.type).toBe("not_found");
      }
      // The coupon under another campaign of the same brand is not found either.
      const wrong = await call(coupon, {
        path: `/api/v1/campaigns/${b.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        params: { campaignId: b.campaignId, id: couponId },
      });
      expect(wrong.status).toBe(404);
    });

    it("plan_required (403) once the trial is over on Starter", async () => {
      const s = await brandSetup(w, { name: "Starter" });
      const starter = { ...s, apiKey: await keyFor(s) };
      await expireTrial(w.t.db, s.brandId);
      const res = await createCoupon(starter, {
        name: "x",
        discount: { type: "percent", percent_off: 10 },
        duration: "once",
      });
      expect(res.status).toBe(403);
      expect(res.json.error.type).toBe("plan_required");
    });

    it("Stripe refusing is 502 stripe_error, nothing written", async () => {
      const s = await brandSetup(w, { name: "Broken", connect: false });
      await insertConnection(w.ctx, s.brandId, {
        webhookSecret: "whsec_x",
        secretKey: "bogus_key_123",
      });
      const broken = { ...s, apiKey: await keyFor(s) };
      const res = await createCoupon(broken, {
        name: "x",
        discount: { type: "percent", percent_off: 10 },
        duration: "once",
      });
      expect(res.status).toBe(502);
      expect(res.json.error.type).toBe("stripe_error");
      const rows = await w.t.db
        .selectFrom("campaign_coupons")
        .select("id")
        .where("brand_id", "=", s.brandId)
        .execute();
      expect(rows).toHaveLength(0);
    });

    it("Idempotency-Key replays the create", async () => {
      const headers = { "Idempotency-Key": "coupon-once" };
      const body = {
        name: "Idem",
        discount: { type: "percent", percent_off: 15 },
        duration: "forever",
      };
      const first = await createCoupon(a, body, headers);
      const replay = await createCoupon(a, body, headers);
      expect(first.status).toBe(201);
      expect(replay.status).toBe(201);
      expect(replay.json.id).toBe(first.json.id);
      expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    });
  });

  describe("affiliate codes", () => {
    let couponId: string;
    let codeId: string;

    beforeAll(async () => {
      const res = await createCoupon(a, {
        name: "Codes",
        discount: { type: "percent", percent_off: 10 },
        duration: "once",
      });
      couponId = res.json.id;
    });

    const createCode = (key: string, body: unknown, aff = affiliateId) =>
      call(codes, {
        method: "POST",
        path: `/api/v1/affiliates/${aff}/coupons`,
        key,
        body,
        params: { affiliateId: aff },
      });

    it("POST creates a code with its Stripe promotion code (201, created_by api)", async () => {
      const res = await createCode(a.apiKey, { campaign_coupon_id: couponId, code: "sarah20" });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        id: expect.stringMatching(UUID),
        affiliate_id: affiliateId,
        campaign_coupon_id: couponId,
        code: "SARAH20",
        stripe_promotion_code_id: expect.any(String),
        max_redemptions: null,
        redemption_count: 0,
        active: true,
        created_by: "api",
      });
      codeId = res.json.id;
    });

    it("a taken code is 409 conflict on code; a generated one works", async () => {
      const dup = await createCode(a.apiKey, { campaign_coupon_id: couponId, code: "SARAH20" });
      expect(dup.status).toBe(409);
      expect(dup.json.error).toMatchObject({ type: "conflict", param: "code" });
      const gen = await createCode(a.apiKey, { campaign_coupon_id: couponId });
      expect(gen.status).toBe(201);
      expect(gen.json.code).toMatch(/^[A-Z0-9_-]{3,32}$/);
    });

    it("bad bodies are 400/404 naming the param", async () => {
      const bad = await createCode(a.apiKey, { campaign_coupon_id: couponId, code: "no spaces!" });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ type: "invalid_request", param: "code" });
      const missing = await createCode(a.apiKey, {});
      expect(missing.status).toBe(400);
      expect(missing.json.error).toMatchObject({
        type: "invalid_request",
        param: "campaign_coupon_id",
      });
      const unknown = await createCode(a.apiKey, {
        campaign_coupon_id: "8f14e45f-ea1c-4e5a-9d1b-0a6f1b2c3d4e",
      });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error).toMatchObject({ type: "not_found", param: "campaign_coupon_id" });
    });

    it("GET lists the affiliate's codes with pagination", async () => {
      const res = await call(codes, {
        path: `/api/v1/affiliates/${affiliateId}/coupons?limit=1`,
        key: a.apiKey,
        params: { affiliateId },
      });
      expect(res.status).toBe(200);
      expect(res.json.data).toHaveLength(1);
      expect(res.json.has_more).toBe(true);
      const all = await call(codes, {
        path: `/api/v1/affiliates/${affiliateId}/coupons`,
        key: a.apiKey,
        params: { affiliateId },
      });
      expect(all.json.data.map((c: { code: string }) => c.code)).toContain("SARAH20");
    });

    it("another brand's affiliate or code is 404", async () => {
      const list = await call(codes, {
        path: `/api/v1/affiliates/${affiliateId}/coupons`,
        key: b.apiKey,
        params: { affiliateId },
      });
      expect(list.status).toBe(404);
      const create = await createCode(b.apiKey, { campaign_coupon_id: couponId });
      expect(create.status).toBe(404);
      const del = await call(code, {
        method: "DELETE",
        path: `/api/v1/affiliates/${affiliateId}/coupons/${codeId}`,
        key: b.apiKey,
        params: { affiliateId, id: codeId },
      });
      expect(del.status).toBe(404);
    });

    it("plan_required (403) for a Starter brand after its trial", async () => {
      const s = await brandSetup(w, { name: "Lapsed" });
      const aff = (await affiliateJoins(w.t.db, s.campaignId, "Lee")).affiliateId;
      const key = await keyFor(s);
      await expireTrial(w.t.db, s.brandId);
      const res = await createCode(key, { campaign_coupon_id: couponId }, aff);
      expect(res.status).toBe(403);
      expect(res.json.error.type).toBe("plan_required");
    });

    it("DELETE removes the code (under the right affiliate only)", async () => {
      const other = (await affiliateJoins(w.t.db, a.campaignId, "Omar")).affiliateId;
      const wrong = await call(code, {
        method: "DELETE",
        path: `/api/v1/affiliates/${other}/coupons/${codeId}`,
        key: a.apiKey,
        params: { affiliateId: other, id: codeId },
      });
      expect(wrong.status).toBe(404);
      const res = await call(code, {
        method: "DELETE",
        path: `/api/v1/affiliates/${affiliateId}/coupons/${codeId}`,
        key: a.apiKey,
        params: { affiliateId, id: codeId },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ id: codeId, deleted: true });
      const again = await call(code, {
        method: "DELETE",
        path: `/api/v1/affiliates/${affiliateId}/coupons/${codeId}`,
        key: a.apiKey,
        params: { affiliateId, id: codeId },
      });
      expect(again.status).toBe(404);
      const get = await call(code, {
        path: `/api/v1/affiliates/${affiliateId}/coupons/${codeId}`,
        key: a.apiKey,
        params: { affiliateId, id: codeId },
      });
      expect(get.status).toBe(405);
    });

    it("DELETE of a campaign coupon deactivates it (200) and it is gone afterwards", async () => {
      const res = await call(coupon, {
        method: "DELETE",
        path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        params: { campaignId: a.campaignId, id: couponId },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ id: couponId, deleted: true });
      const got = await call(coupon, {
        path: `/api/v1/campaigns/${a.campaignId}/coupons/${couponId}`,
        key: a.apiKey,
        params: { campaignId: a.campaignId, id: couponId },
      });
      expect(got.status).toBe(404);
    });
  });
});
