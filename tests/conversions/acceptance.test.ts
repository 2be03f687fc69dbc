/**
 * ACCEPTANCE (issue 6): driving only /api/v1 with an API key, a client connects Stripe, creates a
 * campaign, a coupon, an affiliate and a code; a simulated checkout with that code (delivered as
 * signed webhooks to the real intake route, processed by a real worker) shows up as a coupon
 * conversion with its code in the API and in the CSV, and the dashboard shows "Coupon · CODE".
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as affiliateCodesRoute from "../../app/routes/api.v1.affiliates.$affiliateId.coupons";
import * as affiliatesRoute from "../../app/routes/api.v1.affiliates";
import * as couponsRoute from "../../app/routes/api.v1.campaigns.$campaignId.coupons";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import * as listRoute from "../../app/routes/app.conversions._index";
import * as conversionRoute from "../../app/routes/api.v1.conversions.$id";
import * as conversionsRoute from "../../app/routes/api.v1.conversions";
import * as exportRoute from "../../app/routes/api.v1.conversions.export[.]csv";
import * as stripeRoute from "../../app/routes/api.v1.stripe_connection";
import { sourceLabel } from "../../app/domain/conversion-report";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import type { ConversionItemsPage } from "../../app/services/conversions/conversion-lists.server";
import { AttributionWorld } from "../attribution/harness";
import { getRequest, testContext } from "../helpers/context";
import { brandWithOwner, run } from "../portal/fixtures";
import { apiCall, type CallOptions, type RouteModule, validCampaign } from "../api/helpers";

const r = (m: unknown) => m as RouteModule;

describe("acceptance: the whole coupon flow through /api/v1", () => {
  let w: AttributionWorld;

  beforeAll(async () => {
    w = await AttributionWorld.start();
    await w.startHttp();
  });
  afterAll(async () => {
    await w?.close();
  });

  it(
    "connect, create campaign/coupon/affiliate/code, checkout with the code, see it in the API, CSV and dashboard",
    { timeout: 60_000 },
    async () => {
      const owner = await brandWithOwner(w.db, "Acceptance");
      const { apiKey } = await createApiKey(w.db, { brandId: owner.brandId, name: "CI" });
      const ctx = testContext(w.db, { config: w.config });
      const call = (route: unknown, opts: CallOptions) =>
        apiCall(r(route), w.db, { key: apiKey, context: ctx, ...opts });

      // 1. connect Stripe
      const stripeKey = `rk_test_${randomBytes(10).toString("hex")}`;
      const connected = await call(stripeRoute, {
        method: "PUT",
        path: "/api/v1/stripe_connection",
        body: { secret_key: stripeKey },
      });
      expect(connected.status).toBe(200);
      expect(connected.json.connected).toBe(true);

      // 2. campaign, coupon, affiliate, code
      const campaign = await call(campaignsRoute, {
        method: "POST",
        path: "/api/v1/campaigns",
        body: validCampaign,
      });
      expect(campaign.status).toBe(201);
      const campaignId = campaign.json.id as string;
      const coupon = await call(couponsRoute, {
        method: "POST",
        path: `/api/v1/campaigns/${campaignId}/coupons`,
        params: { campaignId },
        body: {
          name: "Twenty off",
          discount: { type: "percent", percent_off: 20 },
          duration: "once",
        },
      });
      expect(coupon.status).toBe(201);
      const affiliate = await call(affiliatesRoute, {
        method: "POST",
        path: "/api/v1/affiliates",
        body: { email: "sarah@example.test", name: "Sarah", campaign_id: campaignId },
      });
      expect(affiliate.status).toBe(201);
      const affiliateId = affiliate.json.id as string;
      const code = await call(affiliateCodesRoute, {
        method: "POST",
        path: `/api/v1/affiliates/${affiliateId}/coupons`,
        params: { affiliateId },
        body: { campaign_coupon_id: coupon.json.id, code: "SARAH20" },
      });
      expect(code.status).toBe(201);

      // 3. a customer checks out with the code
      await w.emu.checkout({
        api_key: stripeKey,
        amount: 5_000,
        currency: "usd",
        promotion_code: "SARAH20",
      });
      await w.settled();

      const list = await call(conversionsRoute, { path: "/api/v1/conversions" });
      expect(list.status).toBe(200);
      expect(list.json.data).toHaveLength(1);
      const conversion = list.json.data[0];
      expect(conversion).toMatchObject({
        attribution_method: "coupon",
        coupon_code: "SARAH20",
        affiliate_id: affiliateId,
        campaign_id: campaignId,
        amount: 4_000,
        currency: "usd",
        commission_amount: 800,
        status: "approved",
      });
      const one = await call(conversionRoute, {
        path: `/api/v1/conversions/${conversion.id}`,
        params: { id: conversion.id },
      });
      expect(one.json.decision).toMatchObject({ rule: "coupon_only" });
      const coupons = await call(conversionsRoute, {
        path: "/api/v1/conversions?attribution_method=coupon",
      });
      expect(coupons.json.data.map((c: { id: string }) => c.id)).toEqual([conversion.id]);

      // 4. in the CSV
      const csv = await call(exportRoute, { path: "/api/v1/conversions/export.csv" });
      expect(csv.status).toBe(200);
      const [header, row] = csv.text.trim().split("\n");
      const cells = Object.fromEntries(header.split(",").map((h, i) => [h, row.split(",")[i]]));
      expect(cells).toMatchObject({
        id: conversion.id,
        attribution_method: "coupon",
        coupon_code: "SARAH20",
        amount: "40.00",
        commission_amount: "8.00",
        currency: "usd",
        affiliate_name: "Sarah",
      });

      // and the brand's dashboard shows it as "Coupon · SARAH20"
      const page = await run(
        listRoute.loader as never,
        w.db,
        getRequest("/app/conversions", owner.jar),
      );
      const items = (page.body as { page: ConversionItemsPage }).page.items;
      expect(items).toHaveLength(1);
      expect(sourceLabel(items[0].attributionMethod, items[0].couponCode)).toBe("Coupon · SARAH20");
    },
  );
});
