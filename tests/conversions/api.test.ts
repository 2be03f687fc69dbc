import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as conversionRoute from "../../app/routes/api.v1.conversions.$id";
import * as conversionsRoute from "../../app/routes/api.v1.conversions";
import { revokeApiKey } from "../../app/services/accounts/api-keys.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, ISO_UTC, type RouteModule, UUID } from "../api/helpers";
import { affiliateFor, brandWorld, type BrandWorld, insertConversion } from "./fixtures";

const list = conversionsRoute as unknown as RouteModule;
const one = conversionRoute as unknown as RouteModule;

describe("/api/v1/conversions", () => {
  let t: TestDatabase;
  let a: BrandWorld;
  let b: BrandWorld;
  let couponId: string;
  let refundedId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await brandWorld(t.db, "Acme");
    b = await brandWorld(t.db, "Other");
    const base = Date.parse("2026-03-01T12:00:00.000Z");
    couponId = await insertConversion(t.db, {
      brand_id: a.brandId,
      campaign_id: a.campaignId,
      affiliate_id: a.affiliateId,
      attribution_method: "coupon",
      coupon_code: "SARAH20",
      amount: 4_900,
      commission_amount: 980,
      created_at: new Date(base),
      stripe_subscription_id: "sub_123",
      stripe_payment_intent_id: "pi_123",
    });
    await insertConversion(t.db, {
      brand_id: a.brandId,
      campaign_id: a.campaignId,
      affiliate_id: a.affiliate2Id,
      attribution_method: "link",
      created_at: new Date(base + 86_400_000),
    });
    refundedId = await insertConversion(t.db, {
      brand_id: a.brandId,
      campaign_id: a.campaignId,
      affiliate_id: a.affiliateId,
      attribution_method: "s2s",
      external_id: "order-1",
      status: "refunded",
      refunded_amount: 10_000,
      commission_amount: 0,
      created_at: new Date(base + 2 * 86_400_000),
    });
    await insertConversion(t.db, {
      brand_id: b.brandId,
      campaign_id: b.campaignId,
      affiliate_id: b.affiliateId,
      attribution_method: "coupon",
      coupon_code: "OTHER10",
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  describe("GET list", () => {
    it("lists the brand's conversions, newest first, in the contract shape", async () => {
      const res = await apiCall(list, t.db, { path: "/api/v1/conversions", key: a.key });
      expect(res.status).toBe(200);
      expect(res.json.has_more).toBe(false);
      expect(res.json.next_cursor).toBeNull();
      expect(res.json.data).toHaveLength(3);
      expect(res.json.data[0].id).toBe(refundedId);
      const coupon = res.json.data[2];
      expect(coupon).toEqual({
        id: couponId,
        campaign_id: a.campaignId,
        affiliate_id: a.affiliateId,
        attribution_method: "coupon",
        coupon_code: "SARAH20",
        amount: 4900,
        currency: "usd",
        commission_amount: 980,
        refunded_amount: 0,
        status: "approved",
        stripe: {
          customer_id: expect.stringMatching(/^cus_/),
          invoice_id: expect.stringMatching(/^in_/),
          subscription_id: "sub_123",
          checkout_session_id: null,
          payment_intent_id: "pi_123",
        },
        decision: expect.objectContaining({ rule: "link_only" }),
        occurred_at: expect.stringMatching(ISO_UTC),
        created_at: "2026-03-01T12:00:00.000Z",
      });
    });

    it("filters by attribution_method, affiliate_id, status and created range", async () => {
      const ids = async (qs: string) => {
        const res = await apiCall(list, t.db, { path: `/api/v1/conversions?${qs}`, key: a.key });
        expect(res.status).toBe(200);
        return res.json.data.map((c: { id: string }) => c.id);
      };
      expect(await ids("attribution_method=coupon")).toEqual([couponId]);
      expect(await ids(`affiliate_id=${a.affiliateId}`)).toEqual([refundedId, couponId]);
      expect(await ids("status=refunded")).toEqual([refundedId]);
      expect(await ids("created_gte=2026-03-02T00:00:00.000Z")).toHaveLength(2);
      expect(await ids("created_lt=2026-03-02T00:00:00.000Z")).toEqual([couponId]);
      expect(
        await ids("created_gte=2026-03-01T12:00:00.000Z&created_lt=2026-03-01T12:00:00.001Z"),
      ).toEqual([couponId]);
      expect(await ids(`affiliate_id=${b.affiliateId}`)).toEqual([]);
    });

    it("a bad filter, limit or cursor is invalid_request naming the param", async () => {
      for (const [qs, param] of [
        ["attribution_method=email", "attribution_method"],
        ["status=paid", "status"],
        ["affiliate_id=nope", "affiliate_id"],
        ["created_gte=yesterday", "created_gte"],
        ["created_lt=2026-13-01", "created_lt"],
        ["limit=0", "limit"],
        ["limit=101", "limit"],
        ["cursor=garbage!", "cursor"],
      ]) {
        const res = await apiCall(list, t.db, { path: `/api/v1/conversions?${qs}`, key: a.key });
        expect(res.status, qs).toBe(400);
        expect(res.json.error).toMatchObject({ type: "invalid_request", param });
      }
    });

    it("missing, unknown and revoked keys are 401 authentication", async () => {
      const none = await apiCall(list, t.db, { path: "/api/v1/conversions" });
      expect(none.status).toBe(401);
      expect(none.json.error.type).toBe("authentication");
      const unknown = await apiCall(list, t.db, {
        path: "/api/v1/conversions",
        key: `rk_live_${"x".repeat(43)}`,
      });
      expect(unknown.status).toBe(401);
      const extra = await createBrandWithKey(t.db, "Revoked");
      expect(
        (await apiCall(list, t.db, { path: "/api/v1/conversions", key: extra.key })).status,
      ).toBe(200);
      await revokeApiKey(t.db, { brandId: extra.brandId, id: extra.keyId });
      const revoked = await apiCall(list, t.db, { path: "/api/v1/conversions", key: extra.key });
      expect(revoked.status).toBe(401);
      expect(revoked.json.error.type).toBe("authentication");
    });

    it("unsupported methods are 405 with Allow", async () => {
      const res = await apiCall(list, t.db, {
        method: "PUT",
        path: "/api/v1/conversions",
        key: a.key,
        body: {},
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("GET, POST");
    });
  });

  describe("pagination while conversions arrive", () => {
    it("pages neither repeat nor skip rows that existed when the first page was read", async () => {
      const w = await brandWorld(t.db, "Paged");
      const original: string[] = [];
      for (let i = 0; i < 25; i++) {
        original.push(
          await insertConversion(t.db, {
            brand_id: w.brandId,
            campaign_id: w.campaignId,
            affiliate_id: w.affiliateId,
            // several rows share a created_at: the id breaks the tie
            created_at: new Date(Date.parse("2026-01-01T00:00:00Z") + Math.floor(i / 3) * 1000),
          }),
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const path: string = `/api/v1/conversions?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
        const res = await apiCall(list, t.db, { path, key: w.key });
        expect(res.status).toBe(200);
        seen.push(...res.json.data.map((c: { id: string }) => c.id));
        cursor = res.json.next_cursor;
        expect(res.json.has_more).toBe(cursor !== null);
        pages++;
        // New sales land between page reads (newer than everything listed so far).
        for (let k = 0; k < 3; k++) {
          await insertConversion(t.db, {
            brand_id: w.brandId,
            campaign_id: w.campaignId,
            affiliate_id: w.affiliateId,
          });
        }
      } while (cursor && pages < 20);
      expect(pages).toBe(4);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...original].sort());
    });
  });

  describe("GET one", () => {
    it("returns the conversion", async () => {
      const res = await apiCall(one, t.db, {
        path: `/api/v1/conversions/${couponId}`,
        key: a.key,
        params: { id: couponId },
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        id: couponId,
        attribution_method: "coupon",
        coupon_code: "SARAH20",
      });
    });

    it("another brand's conversion, an unknown id and a malformed id are 404", async () => {
      for (const id of [couponId, "8f14e45f-ea1c-4e5a-9d1b-0a6f1b2c3d4e", "not-an-id"]) {
        const res = await apiCall(one, t.db, {
          path: `/api/v1/conversions/${id}`,
          key: b.key,
          params: { id },
        });
        expect(res.status).toBe(404);
        expect(res.json.error.type).toBe("not_found");
      }
    });

    it("a revoked key is 401", async () => {
      const extra = await createBrandWithKey(t.db, "Gone");
      await revokeApiKey(t.db, { brandId: extra.brandId, id: extra.keyId });
      const res = await apiCall(one, t.db, {
        path: `/api/v1/conversions/${couponId}`,
        key: extra.key,
        params: { id: couponId },
      });
      expect(res.status).toBe(401);
    });
  });

  describe("POST (S2S)", () => {
    it("records an S2S conversion (201), replays it on the same external_id (200)", async () => {
      const body = {
        external_id: "ord_1001",
        amount: 12_345,
        currency: "usd",
        affiliate_id: a.affiliateId,
      };
      const first = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body,
      });
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({
        id: expect.stringMatching(UUID),
        attribution_method: "s2s",
        affiliate_id: a.affiliateId,
        campaign_id: a.campaignId,
        amount: 12_345,
        currency: "usd",
        commission_amount: 2_469,
        coupon_code: null,
        status: "approved",
      });
      const again = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body,
      });
      expect(again.status).toBe(200);
      expect(again.json.id).toBe(first.json.id);
      const get = await apiCall(one, t.db, {
        path: `/api/v1/conversions/${first.json.id}`,
        key: a.key,
        params: { id: first.json.id },
      });
      expect(get.json.amount).toBe(12_345);
    });

    it("the same external_id with a different amount is 409 conflict", async () => {
      const body = {
        external_id: "ord_2002",
        amount: 500,
        currency: "usd",
        affiliate_id: a.affiliateId,
      };
      expect(
        (
          await apiCall(list, t.db, {
            method: "POST",
            path: "/api/v1/conversions",
            key: a.key,
            body,
          })
        ).status,
      ).toBe(201);
      const res = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: { ...body, amount: 501 },
      });
      expect(res.status).toBe(409);
      expect(res.json.error).toMatchObject({ type: "conflict", param: "external_id" });
    });

    it("Idempotency-Key: same body replays, a different body is 409", async () => {
      const headers = { "Idempotency-Key": "idem-s2s-1" };
      const body = {
        external_id: "ord_3003",
        amount: 700,
        currency: "usd",
        affiliate_id: a.affiliateId,
      };
      const first = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body,
        headers,
      });
      const replay = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body,
        headers,
      });
      expect(replay.status).toBe(201);
      expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
      expect(replay.json.id).toBe(first.json.id);
      const other = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: { ...body, amount: 701 },
        headers,
      });
      expect(other.status).toBe(409);
    });

    it("another brand's or an unknown affiliate/click is 404 naming the field", async () => {
      const res = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: { external_id: "ord_x", amount: 100, currency: "usd", affiliate_id: b.affiliateId },
      });
      expect(res.status).toBe(404);
      expect(res.json.error).toMatchObject({ type: "not_found", param: "affiliate_id" });
      const click = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: {
          external_id: "ord_y",
          amount: 100,
          currency: "usd",
          click_id: "8f14e45f-ea1c-4e5a-9d1b-0a6f1b2c3d4e",
        },
      });
      expect(click.status).toBe(404);
      expect(click.json.error).toMatchObject({ type: "not_found", param: "click_id" });
    });

    it("invalid bodies are 400 naming the param, nothing written", async () => {
      const before = await t.db
        .selectFrom("conversions")
        .select(t.db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      for (const [body, param] of [
        [{ amount: 100, currency: "usd", affiliate_id: a.affiliateId }, "external_id"],
        [{ external_id: "e1", amount: -1, currency: "usd", affiliate_id: a.affiliateId }, "amount"],
        [
          { external_id: "e1", amount: 1.5, currency: "usd", affiliate_id: a.affiliateId },
          "amount",
        ],
        [
          { external_id: "e1", amount: 100, currency: "USD", affiliate_id: a.affiliateId },
          "currency",
        ],
        [{ external_id: "e1", amount: 100, currency: "usd" }, "click_id"],
        [
          {
            external_id: "e1",
            amount: 100,
            currency: "usd",
            affiliate_id: a.affiliateId,
            click_id: a.affiliateId,
          },
          "click_id",
        ],
        [
          {
            external_id: "e1",
            amount: 100,
            currency: "usd",
            affiliate_id: a.affiliateId,
            extra: 1,
          },
          "extra",
        ],
      ] as const) {
        const res = await apiCall(list, t.db, {
          method: "POST",
          path: "/api/v1/conversions",
          key: a.key,
          body,
        });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error).toMatchObject({ type: "invalid_request", param });
      }
      const after = await t.db
        .selectFrom("conversions")
        .select(t.db.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it("a report for an affiliate who may not earn is recorded uncredited (affiliate_id null)", async () => {
      const pending = await affiliateFor(t.db, a.brandId, a.campaignId, "Pending Pat", "pending");
      const res = await apiCall(list, t.db, {
        method: "POST",
        path: "/api/v1/conversions",
        key: a.key,
        body: { external_id: "ord_pending", amount: 1_000, currency: "usd", affiliate_id: pending },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        attribution_method: "s2s",
        affiliate_id: null,
        commission_amount: 0,
      });
      const listed = await apiCall(list, t.db, {
        path: "/api/v1/conversions?attribution_method=s2s",
        key: a.key,
      });
      expect(listed.status).toBe(200);
      expect(listed.json.data.map((c: { id: string }) => c.id)).toContain(res.json.id);
    });
  });
});
