import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as campaignsList from "../../app/routes/app.campaigns._index";
import * as campaignNew from "../../app/routes/app.campaigns.new";
import * as campaignDetail from "../../app/routes/app.campaigns.$campaignId._index";
import * as campaignDelete from "../../app/routes/app.campaigns.$campaignId_.delete";
import {
  createCampaign,
  getCampaign,
  listCampaigns,
} from "../../app/services/campaigns/campaigns.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { getRequest, postForm, testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { body, brandWithOwner, run } from "./fixtures";

const form = {
  name: "Acme Partners",
  destination_url: "https://acme.example.com",
  commission_type: "percent",
  commission_percent: "20",
  commission_amount: "",
  commission_currency: "usd",
  recurring_months: "12",
  sub_affiliate_override_percent: "10",
  cookie_window_days: "30",
  auto_approve: "on",
};

type FormErrorBody = { fieldErrors: Record<string, string>; values: Record<string, string> };

describe("campaigns CRUD through the brand portal routes", () => {
  let t: TestDatabase;
  let owner: Awaited<ReturnType<typeof brandWithOwner>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    owner = await brandWithOwner(t.db, "Acme Analytics");
  });
  afterAll(async () => {
    await t.drop();
  });

  const count = async () => (await listCampaigns(t.db, owner.brandId)).length;

  it("shows an empty list first", async () => {
    const out = await run(campaignsList.loader, t.db, getRequest("/app/campaigns", owner.jar));
    expect(out.status).toBe(200);
    expect(body<{ campaigns: unknown[] }>(out).campaigns).toEqual([]);
  });

  it("rejects a bad form with field-level errors and writes nothing", async () => {
    const out = await run(
      campaignNew.action,
      t.db,
      postForm(
        "/app/campaigns/new",
        {
          ...form,
          name: "",
          destination_url: "ftp://x",
          commission_percent: "150",
          cookie_window_days: "0",
        },
        owner.jar,
      ),
    );
    expect(out.status).toBe(400);
    const b = body<FormErrorBody>(out);
    expect(Object.keys(b.fieldErrors).sort()).toEqual([
      "commission_percent",
      "cookie_window_days",
      "destination_url",
      "name",
    ]);
    expect(b.values.destination_url).toBe("ftp://x");
    expect(await count()).toBe(0);
  });

  it("rejects a missing CSRF token with 403 and writes nothing", async () => {
    const out = await run(
      campaignNew.action,
      t.db,
      postForm("/app/campaigns/new", form, owner.jar, { csrf: null }),
    );
    expect(out.status).toBe(403);
    expect(await count()).toBe(0);
  });

  it("creates a campaign, with a slug from its name, and redirects to it", async () => {
    const out = await run(
      campaignNew.action,
      t.db,
      postForm("/app/campaigns/new", form, owner.jar),
    );
    expect(out.status).toBe(302);
    const id = out.location!.match(/^\/app\/campaigns\/([0-9a-f-]{36})\?created=1$/)![1];
    const row = await getCampaign(t.db, owner.brandId, id);
    expect(row).toMatchObject({
      name: "Acme Partners",
      slug: "acme-partners",
      destination_url: "https://acme.example.com",
      commission_type: "percent",
      commission_percent_bps: 2000,
      commission_amount: null,
      recurring_months: 12,
      sub_affiliate_override_bps: 1000,
      cookie_window_days: 30,
      auto_approve: true,
    });

    const again = await run(
      campaignNew.action,
      t.db,
      postForm("/app/campaigns/new", form, owner.jar),
    );
    const id2 = again.location!.split("/")[3].split("?")[0];
    expect((await getCampaign(t.db, owner.brandId, id2))!.slug).toBe("acme-partners-2");
  });

  it("lists campaigns with the commission in words, affiliate count and join link", async () => {
    const [c] = (await listCampaigns(t.db, owner.brandId)).filter(
      (x) => x.slug === "acme-partners",
    );
    await joinCampaign(t.db, testConfig(), {
      slug: c.slug,
      name: "Sam",
      email: "sam@aff.test",
      password: "sam-password-1",
    });
    const out = await run(campaignsList.loader, t.db, getRequest("/app/campaigns", owner.jar));
    const rows = body<{
      campaigns: { name: string; commission: string; affiliateCount: number; joinUrl: string }[];
    }>(out).campaigns;
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.joinUrl.endsWith("/join/acme-partners"))).toMatchObject({
      commission: "20% recurring for 12 months",
      affiliateCount: 1,
      joinUrl: "http://localhost:3000/join/acme-partners",
    });
  });

  it("edits a campaign; errors change nothing; the slug stays", async () => {
    const [c] = (await listCampaigns(t.db, owner.brandId)).filter(
      (x) => x.slug === "acme-partners",
    );
    const path = `/app/campaigns/${c.id}`;
    const detail = await run(campaignDetail.loader, t.db, getRequest(path, owner.jar), {
      campaignId: c.id,
    });
    expect(body<{ values: Record<string, string> }>(detail).values).toMatchObject({
      commission_percent: "20",
      recurring_months: "12",
      sub_affiliate_override_percent: "10",
      auto_approve: "on",
    });

    const bad = await run(
      campaignDetail.action,
      t.db,
      postForm(
        path,
        { ...form, commission_type: "flat", commission_amount: "12.345", name: "Renamed" },
        owner.jar,
      ),
      { campaignId: c.id },
    );
    expect(bad.status).toBe(400);
    expect(body<FormErrorBody>(bad).fieldErrors).toEqual({
      commission_amount: "USD amounts have at most 2 decimal places.",
    });
    expect((await getCampaign(t.db, owner.brandId, c.id))!.name).toBe("Acme Partners");

    const good = await run(
      campaignDetail.action,
      t.db,
      postForm(
        path,
        {
          ...form,
          name: "Acme Founders",
          commission_type: "flat",
          commission_amount: "50",
          commission_currency: "eur",
          recurring_months: "0",
          auto_approve: "",
        },
        owner.jar,
      ),
      { campaignId: c.id },
    );
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ saved: true });
    const row = (await getCampaign(t.db, owner.brandId, c.id))!;
    expect(row).toMatchObject({
      name: "Acme Founders",
      slug: "acme-partners",
      commission_type: "flat",
      commission_amount: 5000,
      commission_currency: "eur",
      commission_percent_bps: null,
      recurring_months: 0,
      auto_approve: false,
    });
    const after = await run(campaignDetail.loader, t.db, getRequest(path, owner.jar), {
      campaignId: c.id,
    });
    expect(body<{ campaign: { commission: string } }>(after).campaign.commission).toBe(
      "€50.00 flat, first payment only",
    );
  });

  it("blank recurring months means forever", async () => {
    const c = await createCampaign(t.db, owner.brandId, {
      name: "Forever",
      destinationUrl: "https://acme.example.com",
      commission: { type: "percent", bps: 1250 },
      recurringMonths: 5,
      subAffiliateOverrideBps: 0,
      cookieWindowDays: 30,
      autoApprove: false,
    });
    await run(
      campaignDetail.action,
      t.db,
      postForm(`/app/campaigns/${c.id}`, { ...form, recurring_months: "" }, owner.jar),
      {
        campaignId: c.id,
      },
    );
    expect((await getCampaign(t.db, owner.brandId, c.id))!.recurring_months).toBeNull();
  });

  it("404s for unknown and malformed ids", async () => {
    for (const id of ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]) {
      const out = await run(
        campaignDetail.loader,
        t.db,
        getRequest(`/app/campaigns/${id}`, owner.jar),
        { campaignId: id },
      );
      expect(out.status).toBe(404);
    }
  });

  it("deletes after confirmation, cascading enrollments", async () => {
    const [c] = (await listCampaigns(t.db, owner.brandId)).filter(
      (x) => x.slug === "acme-partners",
    );
    const path = `/app/campaigns/${c.id}/delete`;
    const confirm = await run(campaignDelete.loader, t.db, getRequest(path, owner.jar), {
      campaignId: c.id,
    });
    expect(body<{ campaign: { affiliateCount: number } }>(confirm).campaign.affiliateCount).toBe(1);

    const noCsrf = await run(
      campaignDelete.action,
      t.db,
      postForm(path, {}, owner.jar, { csrf: null }),
      { campaignId: c.id },
    );
    expect(noCsrf.status).toBe(403);
    expect(await getCampaign(t.db, owner.brandId, c.id)).toBeDefined();

    const out = await run(campaignDelete.action, t.db, postForm(path, {}, owner.jar), {
      campaignId: c.id,
    });
    expect(out.status).toBe(302);
    expect(out.location).toBe("/app/campaigns?deleted=1");
    expect(await getCampaign(t.db, owner.brandId, c.id)).toBeUndefined();
    const enrollments = await t.db
      .selectFrom("enrollments")
      .select("id")
      .where("campaign_id", "=", c.id)
      .execute();
    expect(enrollments).toHaveLength(0);
    // The affiliate itself stays.
    const affiliates = await t.db
      .selectFrom("affiliates")
      .select("id")
      .where("brand_id", "=", owner.brandId)
      .execute();
    expect(affiliates).toHaveLength(1);
  });
});
