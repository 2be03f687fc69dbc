import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as campaignRoute from "../../app/routes/api.v1.campaigns.$campaignId";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, ISO_UTC, UUID, validCampaign } from "./helpers";

describe("/api/v1/campaigns", () => {
  let t: TestDatabase;
  let a: { brandId: string; key: string };
  let b: { brandId: string; key: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createBrandWithKey(t.db, "A");
    b = await createBrandWithKey(t.db, "B");
  });
  afterAll(async () => {
    await t?.drop();
  });

  const create = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    apiCall(campaignsRoute, t.db, {
      method: "POST",
      path: "/api/v1/campaigns",
      key,
      body,
      headers,
    });

  it("POST creates a campaign and answers 201 with the exact contract shape", async () => {
    const res = await create(a.key, validCampaign);
    expect(res.status).toBe(201);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(Object.keys(res.json).sort()).toEqual(
      [
        "commission",
        "created_at",
        "destination_url",
        "id",
        "name",
        "recurring_months",
        "sub_affiliate_override_percent",
      ].sort(),
    );
    expect(res.json).toEqual({
      id: expect.stringMatching(UUID),
      name: "Partners",
      destination_url: "https://acme.example.com/pricing",
      commission: { type: "percent", percent: 20 },
      recurring_months: 12,
      sub_affiliate_override_percent: 5,
      created_at: expect.stringMatching(ISO_UTC),
    });
    const row = await t.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", res.json.id)
      .executeTakeFirstOrThrow();
    expect(row.brand_id).toBe(a.brandId);
    expect(row.commission_percent_bps).toBe(2000);
    expect(row.sub_affiliate_override_bps).toBe(500);
    expect(row.cookie_window_days).toBe(30);
    expect(row.auto_approve).toBe(false);
  });

  it("accepts a flat commission, recurring_months null (forever) and the optional fields", async () => {
    const res = await create(a.key, {
      name: "Flat",
      destination_url: "https://acme.example.com",
      commission: { type: "flat", amount: 500, currency: "usd" },
      recurring_months: null,
      sub_affiliate_override_percent: 2.5,
      cookie_window_days: 60,
      auto_approve: true,
    });
    expect(res.status).toBe(201);
    expect(res.json.commission).toEqual({ type: "flat", amount: 500, currency: "usd" });
    expect(res.json.recurring_months).toBeNull();
    expect(res.json.sub_affiliate_override_percent).toBe(2.5);
    const row = await t.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", res.json.id)
      .executeTakeFirstOrThrow();
    expect(row.cookie_window_days).toBe(60);
    expect(row.auto_approve).toBe(true);
  });

  it.each([
    [{ ...validCampaign, name: undefined }, "name"],
    [{ ...validCampaign, destination_url: "ftp://x" }, "destination_url"],
    [{ ...validCampaign, commission: { type: "percent", percent: 0 } }, "commission.percent"],
    [{ ...validCampaign, commission: { type: "percent", percent: 12.345 } }, "commission.percent"],
    [
      { ...validCampaign, commission: { type: "flat", amount: 5.5, currency: "usd" } },
      "commission.amount",
    ],
    [
      { ...validCampaign, commission: { type: "flat", amount: 500, currency: "USD" } },
      "commission.currency",
    ],
    [{ ...validCampaign, commission: { type: "bogus" } }, "commission.type"],
    [{ ...validCampaign, recurring_months: -1 }, "recurring_months"],
    [{ ...validCampaign, sub_affiliate_override_percent: 101 }, "sub_affiliate_override_percent"],
    [{ ...validCampaign, cookie_window_days: 0 }, "cookie_window_days"],
    [{ ...validCampaign, surprise: 1 }, "surprise"],
  ])("400 invalid_request names the param (%#)", async (body, param) => {
    const before = await t.db
      .selectFrom("campaigns")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const res = await create(a.key, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.any(String), param },
    });
    expect(res.json.error.message.length).toBeGreaterThan(3);
    const after = await t.db
      .selectFrom("campaigns")
      .select((e) => e.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("says which required field is missing", async () => {
    const res = await create(a.key, { name: "x", commission: { type: "percent", percent: 10 } });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe("destination_url");
  });

  it("GET one and PATCH only the sent fields", async () => {
    const created = (await create(a.key, { ...validCampaign, name: "To patch" })).json;
    const got = await apiCall(campaignRoute, t.db, {
      path: `/api/v1/campaigns/${created.id}`,
      key: a.key,
      params: { campaignId: created.id },
    });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(created);

    const patched = await apiCall(campaignRoute, t.db, {
      method: "PATCH",
      path: `/api/v1/campaigns/${created.id}`,
      key: a.key,
      params: { campaignId: created.id },
      body: {
        name: "Renamed",
        commission: { type: "flat", amount: 1000, currency: "eur" },
        recurring_months: null,
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({
      ...created,
      name: "Renamed",
      commission: { type: "flat", amount: 1000, currency: "eur" },
      recurring_months: null,
    });

    const bad = await apiCall(campaignRoute, t.db, {
      method: "PATCH",
      path: `/api/v1/campaigns/${created.id}`,
      key: a.key,
      params: { campaignId: created.id },
      body: { destination_url: "not a url" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe("destination_url");
    const row = await t.db
      .selectFrom("campaigns")
      .select("destination_url")
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.destination_url).toBe(validCampaign.destination_url);
  });

  it("another brand's campaign (and an unknown or malformed id) is 404 not_found", async () => {
    const created = (await create(a.key, validCampaign)).json;
    for (const id of [created.id, "00000000-0000-4000-8000-000000000000", "nope"]) {
      const res = await apiCall(campaignRoute, t.db, {
        path: `/api/v1/campaigns/${id}`,
        key: b.key,
        params: { campaignId: id },
      });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { type: "not_found", message: expect.any(String) } });
    }
    const patch = await apiCall(campaignRoute, t.db, {
      method: "PATCH",
      path: `/api/v1/campaigns/${created.id}`,
      key: b.key,
      params: { campaignId: created.id },
      body: { name: "Hijack" },
    });
    expect(patch.status).toBe(404);
    const row = await t.db
      .selectFrom("campaigns")
      .select("name")
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe("Partners");
    // Brand B's list does not show it either.
    const list = await apiCall(campaignsRoute, t.db, {
      path: "/api/v1/campaigns?limit=100",
      key: b.key,
    });
    expect(list.json.data.map((c: { id: string }) => c.id)).not.toContain(created.id);
  });

  it("405 for a method the path does not support, in the JSON shape with Allow", async () => {
    const res = await apiCall(campaignRoute, t.db, {
      method: "DELETE",
      path: "/api/v1/campaigns/x",
      key: a.key,
      params: { campaignId: "x" },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, PATCH");
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.stringContaining("DELETE") },
    });
  });
});
