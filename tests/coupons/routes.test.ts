import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as campaignLayout from "../../app/routes/app.campaigns.$campaignId";
import * as couponsTab from "../../app/routes/app.campaigns.$campaignId.coupons/route";
import * as affiliateCoupons from "../../app/routes/app.affiliates.$affiliateId.coupons/route";
import * as portalCampaign from "../../app/routes/a.campaigns.$campaignId";
import * as portalHome from "../../app/routes/a._index";
import * as couponsApi from "../../app/routes/api.campaigns.$campaignId.coupons";
import * as codesApi from "../../app/routes/api.affiliates.$affiliateId.coupons";
import { TEST_CSRF, getRequest, postForm, type CookieJar } from "../helpers/context";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  call,
  type CouponWorld,
  expireTrial,
  startWorld,
} from "./helpers";

type CouponsTabData = Awaited<ReturnType<typeof couponsTab.loader>>;
type AffiliateTabData = Awaited<ReturnType<typeof affiliateCoupons.loader>>;
type PortalData = Awaited<ReturnType<typeof portalCampaign.loader>>;

const couponForm = (over: Record<string, string> = {}) => ({
  intent: "create",
  name: "Partner 20",
  discount_type: "percent",
  percent_off: "20",
  amount_off: "",
  currency: "usd",
  duration: "once",
  duration_in_months: "",
  max_redemptions: "",
  redeem_by: "",
  overrides_click_attribution: "on",
  ...over,
});

function jsonRequest(
  path: string,
  body: unknown,
  jar: CookieJar,
  csrf: string | null = TEST_CSRF,
): Request {
  return new Request(`http://localhost:3000${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: {
      "Content-Type": "application/json",
      Cookie: jar.header(),
      ...(csrf ? { "X-CSRF-Token": csrf } : {}),
    },
  });
}

describe("coupon routes", () => {
  let w: CouponWorld;
  let acme: BrandSetup;
  let other: BrandSetup;
  let sarah: Awaited<ReturnType<typeof affiliateJoins>>;
  let couponId: string;

  beforeAll(async () => {
    w = await startWorld();
    acme = await brandSetup(w, { name: "Acme" });
    other = await brandSetup(w, { name: "Other" });
    sarah = await affiliateJoins(w.t.db, acme.campaignId, "Sarah Chen");
  });
  afterAll(async () => {
    await w?.close();
  });

  describe("campaign Coupons tab", () => {
    const path = () => `/app/campaigns/${acme.campaignId}/coupons`;

    it("layout exposes Settings and Coupons tabs; empty state data before any coupon", async () => {
      expect(campaignLayout.CAMPAIGN_TABS.map((t) => t.label)).toEqual(["Settings", "Coupons"]);
      const out = await call(couponsTab.loader, w.ctx, getRequest(path(), acme.jar), {
        campaignId: acme.campaignId,
      });
      expect(out.status).toBe(200);
      expect(out.body).toMatchObject({
        canCreate: true,
        connected: true,
        coupons: [],
        deleting: [],
      });
    });

    it("field errors: nothing written, values echoed", async () => {
      const out = await call(
        couponsTab.action,
        w.ctx,
        postForm(
          path(),
          couponForm({
            percent_off: "12.345",
            duration: "repeating",
            duration_in_months: "x",
            redeem_by: "2001-01-01",
          }),
          acme.jar,
        ),
        { campaignId: acme.campaignId },
      );
      expect(out.status).toBe(400);
      expect(out.body).toMatchObject({
        intent: "create",
        fieldErrors: {
          percent_off: "Use at most 2 decimal places, such as 12.25.",
          duration_in_months: "Enter a whole number of months.",
          redeem_by: "Choose a date in the future.",
        },
        values: { percent_off: "12.345" },
      });
      const n = await w.t.db.selectFrom("campaign_coupons").select("id").execute();
      expect(n).toHaveLength(0);
    });

    it("creates a 20%-off coupon in Stripe and lists it with the discount in words", async () => {
      const out = await call(couponsTab.action, w.ctx, postForm(path(), couponForm(), acme.jar), {
        campaignId: acme.campaignId,
      });
      expect(out.status).toBe(302);
      expect(out.location).toMatch(
        new RegExp(`^/app/campaigns/${acme.campaignId}/coupons\\?created=`),
      );
      const list = await call(couponsTab.loader, w.ctx, getRequest(path(), acme.jar), {
        campaignId: acme.campaignId,
      });
      const data = list.body as CouponsTabData;
      expect(data.coupons).toHaveLength(1);
      expect(data.coupons[0]).toMatchObject({
        name: "Partner 20",
        discount: "20% off your first payment",
        active: true,
        overridesClickAttribution: true,
        allowSelfService: false,
      });
      couponId = data.coupons[0].id;
      const stripeCoupon = await w.sdk(acme.key).coupons.retrieve(data.coupons[0].stripeCouponId!);
      expect(stripeCoupon.metadata?.rekomi_campaign_coupon_id).toBe(couponId);
    });

    it("an amount coupon is formatted in its currency", async () => {
      const out = await call(
        couponsTab.action,
        w.ctx,
        postForm(
          path(),
          couponForm({
            name: "Ten off",
            discount_type: "amount",
            amount_off: "10",
            currency: "eur",
            duration: "forever",
          }),
          acme.jar,
        ),
        { campaignId: acme.campaignId },
      );
      expect(out.status).toBe(302);
      const data = (
        await call(couponsTab.loader, w.ctx, getRequest(path(), acme.jar), {
          campaignId: acme.campaignId,
        })
      ).body as CouponsTabData;
      expect(data.coupons.map((c) => c.discount)).toContain("€10.00 off forever");
    });

    it("edits name and toggles", async () => {
      const out = await call(
        couponsTab.action,
        w.ctx,
        postForm(
          path(),
          {
            intent: "update",
            coupon_id: couponId,
            name: "Partners 20",
            allow_affiliate_self_service: "on",
          },
          acme.jar,
        ),
        { campaignId: acme.campaignId },
      );
      expect(out.body).toMatchObject({ intent: "update", saved: true });
      const data = (
        await call(couponsTab.loader, w.ctx, getRequest(path(), acme.jar), {
          campaignId: acme.campaignId,
        })
      ).body as CouponsTabData;
      expect(data.coupons.find((c) => c.id === couponId)).toMatchObject({
        name: "Partners 20",
        allowSelfService: true,
        overridesClickAttribution: false,
      });
    });

    it("another brand: 404 on the tab, the create action and its coupon", async () => {
      const params = { campaignId: acme.campaignId };
      expect(
        (await call(couponsTab.loader, w.ctx, getRequest(path(), other.jar), params)).status,
      ).toBe(404);
      expect(
        (await call(couponsTab.action, w.ctx, postForm(path(), couponForm(), other.jar), params))
          .status,
      ).toBe(404);
      const own = `/app/campaigns/${other.campaignId}/coupons`;
      const del = await call(
        couponsTab.action,
        w.ctx,
        postForm(own, { intent: "delete", coupon_id: couponId }, other.jar),
        {
          campaignId: other.campaignId,
        },
      );
      expect(del.status).toBe(404);
    });

    it("expired trial: the tab says upgrade and the action answers 403 plan_required", async () => {
      const lapsed = await brandSetup(w, { name: "Lapsed", plan: "starter" });
      await expireTrial(w.t.db, lapsed.brandId);
      const lpath = `/app/campaigns/${lapsed.campaignId}/coupons`;
      const view = await call(couponsTab.loader, w.ctx, getRequest(lpath, lapsed.jar), {
        campaignId: lapsed.campaignId,
      });
      expect(view.body).toMatchObject({ canCreate: false });
      const out = await call(couponsTab.action, w.ctx, postForm(lpath, couponForm(), lapsed.jar), {
        campaignId: lapsed.campaignId,
      });
      expect(out.status).toBe(403);
      expect((out.body as { fieldErrors: { form: string } }).fieldErrors.form).toMatch(
        /Growth or Scale/,
      );
    });

    it("rejects a missing CSRF token", async () => {
      const out = await call(
        couponsTab.action,
        w.ctx,
        postForm(path(), couponForm(), acme.jar, { csrf: null }),
        { campaignId: acme.campaignId },
      );
      expect(out.status).toBe(403);
    });
  });

  describe("affiliate Coupons tab", () => {
    const path = () => `/app/affiliates/${sarah.affiliateId}/coupons`;
    const params = () => ({ affiliateId: sarah.affiliateId });

    it("generates SARAH20 and lists it; supplied lowercase is normalised; errors land on the field", async () => {
      const empty = (
        await call(affiliateCoupons.loader, w.ctx, getRequest(path(), acme.jar), params())
      ).body as AffiliateTabData;
      expect(empty.codes).toEqual([]);
      expect(empty.coupons.map((c) => c.id)).toContain(couponId);

      const gen = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(path(), { intent: "create", campaign_coupon_id: couponId, code: "" }, acme.jar),
        params(),
      );
      expect(gen.status).toBe(302);
      expect(gen.location).toContain("created=SARAH20");

      const dup = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(
          path(),
          { intent: "create", campaign_coupon_id: couponId, code: "sarah20" },
          acme.jar,
        ),
        params(),
      );
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({
        fieldErrors: { code: expect.stringMatching(/SARAH20 is already taken/) },
        values: { code: "sarah20" },
      });

      const bad = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(path(), { intent: "create", campaign_coupon_id: couponId, code: "no" }, acme.jar),
        params(),
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ fieldErrors: { code: expect.stringMatching(/3 to 32/) } });

      const stripeNo = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(
          path(),
          { intent: "create", campaign_coupon_id: couponId, code: "sarah_vip" },
          acme.jar,
        ),
        params(),
      );
      expect(stripeNo.status).toBe(400);
      expect(stripeNo.body).toMatchObject({
        fieldErrors: { code: expect.stringMatching(/alphanumeric/) },
      });

      const rate = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(
          path(),
          {
            intent: "create",
            campaign_coupon_id: couponId,
            code: "vip",
            commission_rate: "12.345",
          },
          acme.jar,
        ),
        params(),
      );
      expect(rate.status).toBe(400);
      expect(rate.body).toMatchObject({ fieldErrors: { commission_rate: expect.any(String) } });

      const lower = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(
          path(),
          {
            intent: "create",
            campaign_coupon_id: couponId,
            code: "sarah-vip",
            commission_rate: "30",
          },
          acme.jar,
        ),
        params(),
      );
      expect(lower.location).toContain("created=SARAH-VIP");

      const data = (
        await call(affiliateCoupons.loader, w.ctx, getRequest(path(), acme.jar), params())
      ).body as AffiliateTabData;
      expect(data.codes.map((c) => c.code).sort()).toEqual(["SARAH-VIP", "SARAH20"]);
      expect(data.codes.find((c) => c.code === "SARAH-VIP")).toMatchObject({
        commission: "30% (this code)",
        redemptionCount: 0,
        discount: "20% off your first payment",
      });
    });

    it("deactivates a code (Stripe too)", async () => {
      const data = (
        await call(affiliateCoupons.loader, w.ctx, getRequest(path(), acme.jar), params())
      ).body as AffiliateTabData;
      const vip = data.codes.find((c) => c.code === "SARAH-VIP")!;
      const out = await call(
        affiliateCoupons.action,
        w.ctx,
        postForm(path(), { intent: "deactivate", code_id: vip.id }, acme.jar),
        params(),
      );
      expect(out.body).toMatchObject({ message: "SARAH-VIP was deactivated.", warning: null });
      const after = (
        await call(affiliateCoupons.loader, w.ctx, getRequest(path(), acme.jar), params())
      ).body as AffiliateTabData;
      expect(after.codes.find((c) => c.code === "SARAH-VIP")).toMatchObject({
        active: false,
        inactiveLabel: "Deactivated",
      });
    });

    it("another brand's affiliate -> 404", async () => {
      expect(
        (await call(affiliateCoupons.loader, w.ctx, getRequest(path(), other.jar), params()))
          .status,
      ).toBe(404);
      expect(
        (
          await call(
            affiliateCoupons.action,
            w.ctx,
            postForm(path(), { intent: "create", campaign_coupon_id: couponId }, other.jar),
            params(),
          )
        ).status,
      ).toBe(404);
    });
  });

  describe("affiliate portal /a/campaigns/:id", () => {
    const path = () => `/a/campaigns/${acme.campaignId}`;
    const params = () => ({ campaignId: acme.campaignId });

    it("links from the portal home and shows codes with words and counters", async () => {
      const home = await call(portalHome.loader, w.ctx, getRequest("/a", sarah.jar));
      expect(
        (home.body as { enrollments: { campaignId: string }[] }).enrollments.map(
          (e) => e.campaignId,
        ),
      ).toContain(acme.campaignId);
      const out = await call(portalCampaign.loader, w.ctx, getRequest(path(), sarah.jar), params());
      const data = out.body as PortalData;
      expect(data.codes.map((c) => [c.code, c.discount, c.redemptionCount])).toEqual(
        expect.arrayContaining([["SARAH20", "20% off your first payment", 0]]),
      );
      expect(data.canMint).toBe(true); // self-service was switched on above
    });

    it("self-service on: an approved affiliate mints a vanity code; then both codes show", async () => {
      const out = await call(
        portalCampaign.action,
        w.ctx,
        postForm(path(), { campaign_coupon_id: couponId, code: "sarah-friends" }, sarah.jar),
        params(),
      );
      expect(out.status).toBe(302);
      expect(out.location).toBe(`/a/campaigns/${acme.campaignId}?created=SARAH-FRIENDS`);
      const data = (
        await call(portalCampaign.loader, w.ctx, getRequest(path(), sarah.jar), params())
      ).body as PortalData;
      expect(data.codes.map((c) => c.code)).toEqual(
        expect.arrayContaining(["SARAH20", "SARAH-FRIENDS"]),
      );
      const row = await w.t.db
        .selectFrom("affiliate_coupons")
        .selectAll()
        .where("code", "=", "SARAH-FRIENDS")
        .executeTakeFirstOrThrow();
      expect(row.created_by).toBe("affiliate");
      const dup = await call(
        portalCampaign.action,
        w.ctx,
        postForm(path(), { campaign_coupon_id: couponId, code: "SARAH20" }, sarah.jar),
        params(),
      );
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({
        fieldErrors: { code: expect.stringMatching(/already taken/) },
      });
    });

    it("self-service off: the form is hidden and the action refuses; codes keep working", async () => {
      await call(
        couponsTab.action,
        w.ctx,
        postForm(
          `/app/campaigns/${acme.campaignId}/coupons`,
          {
            intent: "update",
            coupon_id: couponId,
            name: "Partners 20",
            overrides_click_attribution: "on",
          },
          acme.jar,
        ),
        { campaignId: acme.campaignId },
      );
      const data = (
        await call(portalCampaign.loader, w.ctx, getRequest(path(), sarah.jar), params())
      ).body as PortalData;
      expect(data.canMint).toBe(false);
      expect(data.codes.find((c) => c.code === "SARAH-FRIENDS")).toMatchObject({ active: true });
      const out = await call(
        portalCampaign.action,
        w.ctx,
        postForm(path(), { campaign_coupon_id: couponId, code: "SARAH-MORE" }, sarah.jar),
        params(),
      );
      expect(out.status).toBe(400);
      expect(out.body).toMatchObject({
        fieldErrors: { campaign_coupon_id: "Vanity codes are not available for this coupon." },
      });
    });

    it("another brand's campaign -> 404 for the affiliate", async () => {
      const out = await call(
        portalCampaign.loader,
        w.ctx,
        getRequest(`/a/campaigns/${other.campaignId}`, sarah.jar),
        { campaignId: other.campaignId },
      );
      expect(out.status).toBe(404);
      const act = await call(
        portalCampaign.action,
        w.ctx,
        postForm(
          `/a/campaigns/${other.campaignId}`,
          { campaign_coupon_id: couponId, code: "X-CODE" },
          sarah.jar,
        ),
        {
          campaignId: other.campaignId,
        },
      );
      expect(act.status).toBe(404);
    });
  });

  describe("session-auth resource routes", () => {
    it("GET lists coupons (API shape); POST needs the X-CSRF-Token header; errors use the API error body", async () => {
      const base = `/api/campaigns/${acme.campaignId}/coupons`;
      const list = await call(couponsApi.loader, w.ctx, getRequest(base, acme.jar), {
        campaignId: acme.campaignId,
      });
      expect(list.status).toBe(200);
      const body = list.body as { data: { id: string; discount: unknown }[]; has_more: boolean };
      expect(body.has_more).toBe(false);
      expect(body.data.find((c) => c.id === couponId)?.discount).toEqual({
        type: "percent",
        percent_off: 20,
      });

      const input = {
        name: "API 15",
        discount: { type: "percent", percent_off: 15 },
        duration: "repeating",
        duration_in_months: 3,
      };
      const noCsrf = await call(
        couponsApi.action,
        w.ctx,
        jsonRequest(base, input, acme.jar, null),
        { campaignId: acme.campaignId },
      );
      expect(noCsrf.status).toBe(403);
      const created = await call(couponsApi.action, w.ctx, jsonRequest(base, input, acme.jar), {
        campaignId: acme.campaignId,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: "API 15",
        duration: "repeating",
        duration_in_months: 3,
        stripe_coupon_id: expect.any(String),
      });
      const bad = await call(
        couponsApi.action,
        w.ctx,
        jsonRequest(base, { ...input, discount: { type: "percent", percent_off: 0 } }, acme.jar),
        {
          campaignId: acme.campaignId,
        },
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({
        error: { type: "invalid_request", param: "discount.percent_off" },
      });

      const foreign = await call(couponsApi.loader, w.ctx, getRequest(base, other.jar), {
        campaignId: acme.campaignId,
      });
      expect(foreign.status).toBe(404);
      expect(foreign.body).toMatchObject({ error: { type: "not_found" } });
      const foreignPost = await call(
        couponsApi.action,
        w.ctx,
        jsonRequest(base, input, other.jar),
        { campaignId: acme.campaignId },
      );
      expect(foreignPost.status).toBe(404);
      const anon = await call(couponsApi.loader, w.ctx, getRequest(base), {
        campaignId: acme.campaignId,
      });
      expect(anon.status).toBe(401);
    });

    it("affiliate codes: create + list; conflict 409; plan_required 403", async () => {
      const base = `/api/affiliates/${sarah.affiliateId}/coupons`;
      const created = await call(
        codesApi.action,
        w.ctx,
        jsonRequest(base, { campaign_coupon_id: couponId, code: "sarah-api" }, acme.jar),
        {
          affiliateId: sarah.affiliateId,
        },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        code: "SARAH-API",
        affiliate_id: sarah.affiliateId,
        created_by: "brand",
        active: true,
        redemption_count: 0,
      });
      const conflict = await call(
        codesApi.action,
        w.ctx,
        jsonRequest(base, { campaign_coupon_id: couponId, code: "SARAH-API" }, acme.jar),
        {
          affiliateId: sarah.affiliateId,
        },
      );
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ error: { type: "conflict", param: "code" } });
      const list = await call(codesApi.loader, w.ctx, getRequest(base, acme.jar), {
        affiliateId: sarah.affiliateId,
      });
      expect((list.body as { data: { code: string }[] }).data.map((c) => c.code)).toContain(
        "SARAH-API",
      );
      expect(
        (
          await call(codesApi.loader, w.ctx, getRequest(base, other.jar), {
            affiliateId: sarah.affiliateId,
          })
        ).status,
      ).toBe(404);

      await expireTrial(w.t.db, acme.brandId);
      const gated = await call(
        codesApi.action,
        w.ctx,
        jsonRequest(base, { campaign_coupon_id: couponId }, acme.jar),
        { affiliateId: sarah.affiliateId },
      );
      expect(gated.status).toBe(403);
      expect(gated.body).toMatchObject({ error: { type: "plan_required" } });
      const tab = (
        await call(
          affiliateCoupons.loader,
          w.ctx,
          getRequest(`/app/affiliates/${sarah.affiliateId}/coupons`, acme.jar),
          { affiliateId: sarah.affiliateId },
        )
      ).body as AffiliateTabData;
      expect(tab.canCreate).toBe(false);
      expect(tab.codes.length).toBeGreaterThan(0);
    });
  });
});
