import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as affiliateRoute from "../../app/routes/api.v1.affiliates.$affiliateId";
import * as affiliatesRoute from "../../app/routes/api.v1.affiliates";
import * as campaignsRoute from "../../app/routes/api.v1.campaigns";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { apiCall, createBrandWithKey, ISO_UTC, UUID, validCampaign } from "./helpers";

describe("/api/v1/affiliates", () => {
  let t: TestDatabase;
  let a: { brandId: string; key: string };
  let b: { brandId: string; key: string };
  let campaignA: string;
  let campaignB: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createBrandWithKey(t.db, "A");
    b = await createBrandWithKey(t.db, "B");
    campaignA = (
      await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: a.key,
        body: validCampaign,
      })
    ).json.id;
    campaignB = (
      await apiCall(campaignsRoute, t.db, {
        method: "POST",
        path: "/api/v1/campaigns",
        key: b.key,
        body: validCampaign,
      })
    ).json.id;
  });
  afterAll(async () => {
    await t?.drop();
  });

  const create = (key: string, body: unknown) =>
    apiCall(affiliatesRoute, t.db, { method: "POST", path: "/api/v1/affiliates", key, body });

  it("POST creates an approved affiliate enrolled in the campaign, with its referral link", async () => {
    const res = await create(a.key, {
      email: "Sarah@Example.com",
      name: "Sarah",
      campaign_id: campaignA,
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual([
      "created_at",
      "email",
      "id",
      "invitation",
      "link",
      "name",
      "parent_affiliate_id",
      "status",
    ]);
    expect(res.json).toEqual({
      id: expect.stringMatching(UUID),
      email: "sarah@example.com",
      name: "Sarah",
      status: "approved",
      parent_affiliate_id: null,
      link: { code: expect.any(String), url: `http://localhost:3000/r/${res.json.link.code}` },
      invitation: { status: "pending", sent_at: expect.stringMatching(ISO_UTC) },
      created_at: expect.stringMatching(ISO_UTC),
    });
    const enrollment = await t.db
      .selectFrom("enrollments")
      .selectAll()
      .where("affiliate_id", "=", res.json.id)
      .executeTakeFirstOrThrow();
    expect(enrollment.campaign_id).toBe(campaignA);
    expect(enrollment.link_code).toBe(res.json.link.code);

    const got = await apiCall(affiliateRoute, t.db, {
      path: `/api/v1/affiliates/${res.json.id}`,
      key: a.key,
      params: { affiliateId: res.json.id },
    });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
  });

  it("takes an explicit status", async () => {
    const res = await create(a.key, {
      email: "pending@example.com",
      name: "Pat",
      campaign_id: campaignA,
      status: "pending",
    });
    expect(res.status).toBe(201);
    expect(res.json.status).toBe("pending");
  });

  it.each([
    [{ name: "X", campaign_id: "00000000-0000-4000-8000-000000000000" }, "email"],
    [
      { email: "not-an-email", name: "X", campaign_id: "00000000-0000-4000-8000-000000000000" },
      "email",
    ],
    [{ email: "x@example.com", campaign_id: "00000000-0000-4000-8000-000000000000" }, "name"],
    [{ email: "x@example.com", name: "X" }, "campaign_id"],
    [{ email: "x@example.com", name: "X", campaign_id: "nope" }, "campaign_id"],
    [
      { email: "x@example.com", name: "X", campaign_id: "00000000-0000-4000-8000-000000000000" },
      "campaign_id",
    ],
    [
      {
        email: "x@example.com",
        name: "X",
        campaign_id: "00000000-0000-4000-8000-000000000000",
        status: "vip",
      },
      "status",
    ],
  ])("400 invalid_request names the param (%#)", async (body, param) => {
    const res = await create(a.key, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: "invalid_request", message: expect.any(String), param },
    });
  });

  it("another brand's campaign_id is 400 campaign_id and nothing is written", async () => {
    const res = await create(a.key, {
      email: "cross@example.com",
      name: "Cross",
      campaign_id: campaignB,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe("campaign_id");
    const row = await t.db
      .selectFrom("affiliates")
      .select("id")
      .where("email", "=", "cross@example.com")
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it("a duplicate email within the brand is 409 conflict", async () => {
    await create(a.key, { email: "dup@example.com", name: "Dup", campaign_id: campaignA });
    const res = await create(a.key, {
      email: "dup@example.com",
      name: "Dup again",
      campaign_id: campaignA,
    });
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      error: { type: "conflict", message: expect.any(String), param: "email" },
    });
    // The same email at another brand is fine.
    expect(
      (await create(b.key, { email: "dup@example.com", name: "Dup", campaign_id: campaignB }))
        .status,
    ).toBe(201);
  });

  it("brand B's key on brand A's affiliate is 404; lists are brand-scoped", async () => {
    const mine = (
      await create(a.key, { email: "mine@example.com", name: "Mine", campaign_id: campaignA })
    ).json;
    const res = await apiCall(affiliateRoute, t.db, {
      path: `/api/v1/affiliates/${mine.id}`,
      key: b.key,
      params: { affiliateId: mine.id },
    });
    expect(res.status).toBe(404);
    expect(res.json.error.type).toBe("not_found");
    const listB = await apiCall(affiliatesRoute, t.db, {
      path: "/api/v1/affiliates?limit=100",
      key: b.key,
    });
    expect(listB.json.data.every((x: { email: string }) => x.email !== "mine@example.com")).toBe(
      true,
    );
    const listA = await apiCall(affiliatesRoute, t.db, {
      path: "/api/v1/affiliates?limit=100",
      key: a.key,
    });
    expect(listA.status).toBe(200);
    expect(listA.json.data.map((x: { id: string }) => x.id)).toContain(mine.id);
    expect(listA.json).toEqual({ data: expect.any(Array), has_more: false, next_cursor: null });
  });

  it("405 for POST on one affiliate", async () => {
    const res = await apiCall(affiliateRoute, t.db, {
      method: "POST",
      path: "/api/v1/affiliates/x",
      key: a.key,
      params: { affiliateId: "x" },
      body: {},
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET");
  });
});
