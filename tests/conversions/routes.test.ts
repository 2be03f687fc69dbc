import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as portalRoute from "../../app/routes/a.conversions";
import * as affiliateOverview from "../../app/routes/app.affiliates.$affiliateId._index";
import * as detailRoute from "../../app/routes/app.conversions.$conversionId";
import * as listRoute from "../../app/routes/app.conversions._index";
import * as exportRoute from "../../app/routes/app.conversions.export[.]csv";
import { type ConversionItemsPage } from "../../app/services/conversions/conversion-lists.server";
import { listPortalConversions } from "../../app/services/conversions/portal-conversions.server";
import { getRequest } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { brandWithOwner, run } from "../portal/fixtures";
import { affiliateJoins } from "../coupons/helpers";
import { affiliateFor, campaignFor, insertConversion } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe("conversion pages", () => {
  let t: TestDatabase;
  let brand: Awaited<ReturnType<typeof brandWithOwner>>;
  let other: Awaited<ReturnType<typeof brandWithOwner>>;
  let campaignId: string;
  let sarah: { affiliateId: string; jar: Awaited<ReturnType<typeof affiliateJoins>>["jar"] };
  let tomId: string;
  let codeId: string;
  let tomCodeId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    brand = await brandWithOwner(t.db, "Acme");
    other = await brandWithOwner(t.db, "Other");
    campaignId = await campaignFor(t.db, brand.brandId, "Acme Partners");
    sarah = await affiliateJoins(t.db, campaignId, "Sarah");
    tomId = await affiliateFor(t.db, brand.brandId, campaignId, "Tom");
    const cc = await t.db
      .insertInto("campaign_coupons")
      .values({
        brand_id: brand.brandId,
        campaign_id: campaignId,
        name: "Twenty",
        discount_type: "percent",
        percent_off_bps: 2000,
        duration: "once",
        stripe_coupon_id: "co_1",
      } as Any)
      .returning("id")
      .executeTakeFirstOrThrow();
    const code = (affiliateId: string, text: string, count: number) =>
      t.db
        .insertInto("affiliate_coupons")
        .values({
          brand_id: brand.brandId,
          affiliate_id: affiliateId,
          campaign_coupon_id: cc.id,
          campaign_id: campaignId,
          code: text,
          redemption_count: count,
          created_by: "brand",
          stripe_promotion_code_id: `promo_${text}`,
        } as Any)
        .returning("id")
        .executeTakeFirstOrThrow();
    codeId = (await code(sarah.affiliateId, "SARAH20", 2)).id;
    tomCodeId = (await code(tomId, "TOM10", 1)).id;
    const day = (n: number) => new Date(Date.parse("2026-03-01T10:00:00Z") + n * 86_400_000);
    ids.coupon = await insertConversion(t.db, {
      brand_id: brand.brandId,
      campaign_id: campaignId,
      affiliate_id: sarah.affiliateId,
      attribution_method: "coupon",
      coupon_code: "SARAH20",
      affiliate_coupon_id: codeId,
      amount: 5_000,
      commission_amount: 1_000,
      created_at: day(0),
      occurred_at: day(0),
      decision: JSON.stringify({
        version: 1,
        rule: "coupon_overrides_click",
        winner: { affiliateId: sarah.affiliateId, campaignId, method: "coupon" },
        candidates: [
          {
            source: "click",
            affiliateId: tomId,
            campaignId,
            eligible: true,
            ineligibleReason: null,
            selected: false,
          },
          {
            source: "coupon",
            affiliateId: sarah.affiliateId,
            campaignId,
            code: "SARAH20",
            eligible: true,
            ineligibleReason: null,
            selected: true,
          },
        ],
        commission: {
          amount: 1000,
          currency: "usd",
          reason: "campaign_percent",
          rule: { type: "percent", bps: 2000, source: "campaign" },
          override: null,
        },
      }),
    });
    ids.coupon2 = await insertConversion(t.db, {
      brand_id: brand.brandId,
      campaign_id: campaignId,
      affiliate_id: sarah.affiliateId,
      attribution_method: "coupon",
      coupon_code: "SARAH20",
      affiliate_coupon_id: codeId,
      amount: 3_000,
      refunded_amount: 3_000,
      commission_amount: 0,
      status: "refunded",
      created_at: day(1),
    });
    // Tom's click won; Sarah's... no: Tom's code seen on Sarah's link sale must not leak to Sarah.
    ids.linkWithOtherCode = await insertConversion(t.db, {
      brand_id: brand.brandId,
      campaign_id: campaignId,
      affiliate_id: sarah.affiliateId,
      attribution_method: "link",
      coupon_code: "TOM10",
      affiliate_coupon_id: tomCodeId,
      amount: 700,
      currency: "eur",
      commission_amount: 140,
      created_at: day(2),
    });
    ids.tom = await insertConversion(t.db, {
      brand_id: brand.brandId,
      campaign_id: campaignId,
      affiliate_id: tomId,
      attribution_method: "s2s",
      external_id: "order-77",
      amount: 9_999,
      commission_amount: 2_000,
      created_at: day(3),
    });
    for (const [aff, amount, kind] of [
      [sarah.affiliateId, 1_000, "commission"],
      [sarah.affiliateId, 600, "commission"],
      [sarah.affiliateId, -600, "clawback"],
      [tomId, 2_000, "commission"],
    ] as const) {
      await t.db
        .insertInto("commission_entries")
        .values({
          brand_id: brand.brandId,
          conversion_id: aff === tomId ? ids.tom : ids.coupon,
          affiliate_id: aff,
          kind,
          amount,
          currency: "usd",
        })
        .execute();
    }
    ids.other = await insertConversion(t.db, {
      brand_id: other.brandId,
      attribution_method: "link",
      amount: 1,
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  const list = async (qs = "") => {
    const o = await run(
      listRoute.loader as never,
      t.db,
      getRequest(`/app/conversions${qs}`, brand.jar),
    );
    return o as { status: number; body: Any };
  };

  describe("brand dashboard", () => {
    it("lists the brand's conversions with Source, totals per currency and the chart series", async () => {
      const o = await list();
      expect(o.status).toBe(200);
      const page = o.body.page as ConversionItemsPage;
      expect(page.items.map((i) => i.id)).toEqual([
        ids.tom,
        ids.linkWithOtherCode,
        ids.coupon2,
        ids.coupon,
      ]);
      expect(page.items[3]).toMatchObject({
        attributionMethod: "coupon",
        couponCode: "SARAH20",
        affiliateName: "Sarah",
      });
      expect(page.items[0].customer).toBe("S2S order-77");
      expect(o.body.totals).toEqual([
        { currency: "eur", count: 1, amount: 700, refunded: 0, revenue: 700, commission: 140 },
        {
          currency: "usd",
          count: 3,
          amount: 17_999,
          refunded: 3_000,
          revenue: 14_999,
          commission: 3_000,
        },
      ]);
      expect(o.body.chart.granularity).toBe("day");
      const usd = o.body.chart.series.find((s: Any) => s.currency === "usd");
      expect(usd.points.map((p: Any) => p.bucket)).toEqual([
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
      ]);
      expect(usd.points[0]).toMatchObject({
        coupon_revenue: 5_000,
        coupon_commission: 1_000,
        link_revenue: 0,
      });
      expect(usd.points[2]).toMatchObject({ coupon_revenue: 0, s2s_revenue: 0 });
      expect(usd.points[3]).toMatchObject({ s2s_revenue: 9_999 });
      expect(o.body.exportHref).toBe("/app/conversions/export.csv");
    });

    it("filters by source, affiliate, code, status and date range", async () => {
      const idsOf = async (qs: string) =>
        ((await list(qs)).body.page as ConversionItemsPage).items.map((i) => i.id);
      expect(await idsOf("?source=coupon")).toEqual([ids.coupon2, ids.coupon]);
      expect(await idsOf(`?affiliate=${tomId}`)).toEqual([ids.tom]);
      expect(await idsOf("?code=sarah20")).toEqual([ids.coupon2, ids.coupon]);
      expect(await idsOf("?status=refunded")).toEqual([ids.coupon2]);
      expect(await idsOf("?from=2026-03-02&to=2026-03-03")).toEqual([
        ids.linkWithOtherCode,
        ids.coupon2,
      ]);
      const o = await list("?source=coupon&code=SARAH20");
      expect(o.body.exportHref).toBe("/app/conversions/export.csv?source=coupon&code=SARAH20");
      expect(o.body.totals).toHaveLength(1);
    });

    it("invalid filters are a 400 with field errors and no rows", async () => {
      const o = await list("?source=email&from=2026-02-30&affiliate=x");
      expect(o.status).toBe(400);
      expect(Object.keys(o.body.errors).sort()).toEqual(["affiliate", "from", "source"]);
      expect(o.body.page.items).toEqual([]);
      const range = await list("?from=2026-03-05&to=2026-03-01");
      expect(range.body.errors.to).toMatch(/on or after/);
    });

    it("Older/Newer keyset links walk the list both ways", async () => {
      const seen: string[] = [];
      // 25 per page is the real size; create enough rows in a fresh brand to need two pages.
      const b = await brandWithOwner(t.db, "Paged");
      const c = await campaignFor(t.db, b.brandId, "Paged");
      const a = await affiliateFor(t.db, b.brandId, c, "Ann");
      for (let i = 0; i < 30; i++) {
        await insertConversion(t.db, {
          brand_id: b.brandId,
          campaign_id: c,
          affiliate_id: a,
          created_at: new Date(Date.parse("2026-01-01T00:00:00Z") + i * 1000),
        });
      }
      const get = async (qs: string) =>
        (await run(listRoute.loader as never, t.db, getRequest(`/app/conversions${qs}`, b.jar)))
          .body as Any;
      const p1 = await get("");
      expect(p1.page.items).toHaveLength(25);
      expect(p1.page.newer).toBeNull();
      seen.push(...p1.page.items.map((i: Any) => i.id));
      const p2 = await get(`?after=${p1.page.older}`);
      expect(p2.page.items).toHaveLength(5);
      expect(p2.page.older).toBeNull();
      seen.push(...p2.page.items.map((i: Any) => i.id));
      expect(new Set(seen).size).toBe(30);
      const back = await get(`?before=${p2.page.newer}`);
      expect(back.page.items.map((i: Any) => i.id)).toEqual(p1.page.items.map((i: Any) => i.id));
      expect(back.page.newer).toBeNull();
    });

    it("another brand's conversions never appear; its detail page is 404", async () => {
      const o = await list();
      expect(o.body.page.items.map((i: Any) => i.id)).not.toContain(ids.other);
      const d = await run(
        detailRoute.loader as never,
        t.db,
        getRequest(`/app/conversions/${ids.other}`, brand.jar),
        { conversionId: ids.other },
      );
      expect(d.status).toBe(404);
    });

    it("the detail page carries the decision record with names", async () => {
      const d = await run(
        detailRoute.loader as never,
        t.db,
        getRequest(`/app/conversions/${ids.coupon}`, brand.jar),
        { conversionId: ids.coupon },
      );
      expect(d.status).toBe(200);
      const body = d.body as Any;
      expect(body.conversion.decision.rule).toBe("coupon_overrides_click");
      expect(body.affiliateNames[tomId]).toBe("Tom");
      expect(body.affiliateNames[sarah.affiliateId]).toBe("Sarah");
      expect(body.campaignNames[campaignId]).toBe("Acme Partners");
      expect(body.ledger.map((e: Any) => e.kind)).toEqual(["commission", "commission", "clawback"]);
    });

    it("the dashboard CSV export uses the page's filters", async () => {
      const o = await run(
        exportRoute.loader as never,
        t.db,
        getRequest("/app/conversions/export.csv?source=coupon", brand.jar),
      );
      expect(o.status).toBe(200);
      expect(o.response!.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
      const lines = (await o.response!.text()).trim().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[1]).toContain(",coupon,SARAH20,");
      const bad = await run(
        exportRoute.loader as never,
        t.db,
        getRequest("/app/conversions/export.csv?status=x", brand.jar),
      );
      expect(bad.status).toBe(400);
      const anon = await run(
        exportRoute.loader as never,
        t.db,
        getRequest("/app/conversions/export.csv"),
      );
      expect(anon.status).toBe(302);
    });

    it("the affiliate page shows stats per code", async () => {
      const o = await run(
        affiliateOverview.loader as never,
        t.db,
        getRequest(`/app/affiliates/${sarah.affiliateId}`, brand.jar),
        { affiliateId: sarah.affiliateId },
      );
      const stats = (o.body as Any).codeStats;
      expect(stats).toEqual([
        expect.objectContaining({
          code: "SARAH20",
          redemptions: 2,
          conversions: 2,
          byCurrency: [{ currency: "usd", conversions: 2, revenue: 5_000, commission: 1_000 }],
        }),
      ]);
      const tom = await run(
        affiliateOverview.loader as never,
        t.db,
        getRequest(`/app/affiliates/${tomId}`, brand.jar),
        { affiliateId: tomId },
      );
      // Tom's code was seen on Sarah's link sale: it is not Tom's revenue.
      expect((tom.body as Any).codeStats[0]).toMatchObject({
        code: "TOM10",
        redemptions: 1,
        conversions: 0,
        byCurrency: [],
      });
    });
  });

  describe("affiliate portal", () => {
    it("shows only the affiliate's own conversions and earnings, without other affiliates' codes", async () => {
      const o = await run(
        portalRoute.loader as never,
        t.db,
        getRequest("/a/conversions", sarah.jar),
      );
      expect(o.status).toBe(200);
      const body = o.body as Any;
      expect(body.page.items.map((i: Any) => i.id)).toEqual([
        ids.linkWithOtherCode,
        ids.coupon2,
        ids.coupon,
      ]);
      const link = body.page.items[0];
      expect(link.couponCode).toBeNull();
      expect(JSON.stringify(body)).not.toContain("TOM10");
      expect(JSON.stringify(body)).not.toContain("order-77");
      expect(JSON.stringify(body)).not.toMatch(/cus_|in_/);
      expect(body.page.items[2]).toMatchObject({
        attributionMethod: "coupon",
        couponCode: "SARAH20",
        brandName: expect.stringContaining("Acme"),
      });
      expect(body.earnings).toEqual([
        {
          brandName: expect.stringContaining("Acme"),
          currency: "usd",
          commission: 1_600,
          overrides: 0,
          clawbacks: -600,
          net: 1_000,
        },
      ]);
    });

    it("pages the affiliate's conversions with Older/Newer cursors both ways", async () => {
      const b = await brandWithOwner(t.db, "Portal paged");
      const c = await campaignFor(t.db, b.brandId, "Portal paged");
      const a = await affiliateFor(t.db, b.brandId, c, "Pia");
      for (let i = 0; i < 7; i++) {
        await insertConversion(t.db, {
          brand_id: b.brandId,
          campaign_id: c,
          affiliate_id: a,
          created_at: new Date(Date.parse("2026-02-01T00:00:00Z") + i * 1000),
        });
      }
      const p1 = await listPortalConversions(t.db, [a], { limit: 5 });
      expect(p1.items).toHaveLength(5);
      expect(p1.newer).toBeNull();
      const p2 = await listPortalConversions(t.db, [a], { limit: 5, after: p1.older });
      expect(p2.items).toHaveLength(2);
      expect(p2.older).toBeNull();
      expect(new Set([...p1.items, ...p2.items].map((i) => i.id)).size).toBe(7);
      const back = await listPortalConversions(t.db, [a], { limit: 5, before: p2.newer });
      expect(back.items.map((i) => i.id)).toEqual(p1.items.map((i) => i.id));
      expect(back.newer).toBeNull();
      expect(back.older).toBe(p1.older);
    });

    it("brand users are sent to their dashboard", async () => {
      const o = await run(
        portalRoute.loader as never,
        t.db,
        getRequest("/a/conversions", brand.jar),
      );
      expect(o.status).toBe(302);
      expect(o.location).toBe("/app");
    });
  });
});
