import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as portalHome from "../../app/routes/a._index";
import * as join from "../../app/routes/join.$slug";
import type { Affiliate, Campaign } from "../../app/db/schema";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { CookieJar, getRequest, postForm, testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { body, run, signIn } from "../portal/fixtures";
import { brandWithCampaign, campaignInput, enrolledAffiliate } from "./helpers";

type JoinData = { recruiter: { name: string; code: string } | null };
type PortalData = {
  enrollments: {
    campaignName: string;
    status: string;
    recruitUrl?: string;
    overridePercent?: string;
  }[];
};

const PASSWORD = "correct-horse-battery";

describe("recruiting links and sub-affiliates", () => {
  let t: TestDatabase;
  let campaignA: Campaign;
  let campaignA2: Campaign;
  let campaignB: Campaign;
  let recruiter: Affiliate;
  let pendingRecruiter: Affiliate;
  let otherBrandRecruiter: Affiliate;
  let n = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    const a = await brandWithCampaign(t.db, "Recruit A");
    campaignA = a.campaign;
    campaignA2 = await createCampaign(t.db, a.brand.brandId, campaignInput({ name: "Second" }));
    campaignB = (await brandWithCampaign(t.db, "Recruit B")).campaign;
    recruiter = (await enrolledAffiliate(t.db, campaignA)).affiliate;
    pendingRecruiter = (await enrolledAffiliate(t.db, campaignA, "pending")).affiliate;
    otherBrandRecruiter = (await enrolledAffiliate(t.db, campaignB)).affiliate;
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function affiliateByEmail(brandId: string, email: string) {
    return t.db
      .selectFrom("affiliates")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
  }

  /** A new person joins anonymously; with `email` of an existing account, that person signed in. */
  async function joinVia(campaign: Campaign, via: string | null, email?: string) {
    n++;
    const fields: Record<string, string> = {
      name: `Recruit ${n}`,
      email: email ?? `recruit${n}-${Date.now()}@aff.test`,
      password: PASSWORD,
    };
    if (via !== null) fields.via = via;
    const user = email
      ? await t.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst()
      : undefined;
    const jar = user ? await signIn(t.db, user.id) : new CookieJar();
    const out = await run(join.action, t.db, postForm(`/join/${campaign.slug}`, fields, jar), {
      slug: campaign.slug,
    });
    expect(out.status).toBe(user ? 302 : 200);
    return affiliateByEmail(campaign.brand_id, fields.email);
  }

  it("the join page carries an active recruiter of the same brand, and ignores others", async () => {
    const load = async (campaign: Campaign, via: string) =>
      body<JoinData>(
        await run(join.loader, t.db, getRequest(`/join/${campaign.slug}?via=${via}`), {
          slug: campaign.slug,
        }),
      ).recruiter;
    expect(await load(campaignA, recruiter.recruit_code)).toEqual({
      name: recruiter.name,
      code: recruiter.recruit_code,
    });
    expect(await load(campaignA, recruiter.recruit_code.toUpperCase())).toEqual({
      name: recruiter.name,
      code: recruiter.recruit_code,
    });
    expect(await load(campaignB, recruiter.recruit_code)).toBeNull();
    expect(await load(campaignA, pendingRecruiter.recruit_code)).toBeNull();
    expect(await load(campaignA, "zzzzzzzz")).toBeNull();
    expect(await load(campaignA, "%3Cscript%3E")).toBeNull();
  });

  it("an affiliate who joins through the link is recorded with parent_affiliate_id", async () => {
    const sub = await joinVia(campaignA, recruiter.recruit_code);
    expect(sub.parent_affiliate_id).toBe(recruiter.id);
    expect(sub.status).toBe("pending");
  });

  it("joining without a link, or with an unknown code, records no parent (and still joins)", async () => {
    expect((await joinVia(campaignA, null)).parent_affiliate_id).toBeNull();
    expect((await joinVia(campaignA, "zzzzzzzz")).parent_affiliate_id).toBeNull();
    expect((await joinVia(campaignA, "not a code at all")).parent_affiliate_id).toBeNull();
  });

  it("cannot make a cross-brand parent", async () => {
    const sub = await joinVia(campaignB, recruiter.recruit_code);
    expect(sub.brand_id).toBe(campaignB.brand_id);
    expect(sub.parent_affiliate_id).toBeNull();
    // Also through the service directly.
    const r = await joinCampaign(t.db, testConfig(), {
      slug: campaignA.slug,
      name: "Direct",
      email: `direct-${Date.now()}@aff.test`,
      password: PASSWORD,
      parentRecruitCode: otherBrandRecruiter.recruit_code,
    });
    expect(r.ok && r.outcome === "joined" && r.affiliate.parent_affiliate_id).toBeNull();
  });

  it("a pending recruiter's code (even posted by hand) records no parent", async () => {
    expect(
      (await joinVia(campaignA, pendingRecruiter.recruit_code)).parent_affiliate_id,
    ).toBeNull();
  });

  it("cannot make a self parent: the recruiter joining through their own link stays top-level", async () => {
    // The recruiter (whose invitation was accepted: the row has their user) joins another
    // campaign through their own link.
    const user = await t.db
      .insertInto("users")
      .values({ email: recruiter.email, name: recruiter.name, password_hash: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    await t.db
      .updateTable("affiliates")
      .set({ user_id: user.id })
      .where("id", "=", recruiter.id)
      .execute();
    const self = await joinVia(campaignA2, recruiter.recruit_code, recruiter.email);
    expect(self.id).toBe(recruiter.id);
    expect(self.parent_affiliate_id).toBeNull();
  });

  it("an existing affiliate of the brand is never re-parented by a recruiting link", async () => {
    const existing = await joinVia(campaignA, null);
    const again = await joinVia(campaignA2, recruiter.recruit_code, existing.email);
    expect(again.id).toBe(existing.id);
    expect(again.parent_affiliate_id).toBeNull();
  });

  it("one tier is stored: a sub-affiliate's own recruit is theirs, not the grandparent's", async () => {
    const sub = await joinVia(campaignA, recruiter.recruit_code);
    const approved = await setAffiliateStatus(t.db, campaignA.brand_id, sub.id, "approved");
    expect(approved.ok).toBe(true);
    const subSub = await joinVia(campaignA, sub.recruit_code);
    expect(subSub.parent_affiliate_id).toBe(sub.id);
  });

  it("the portal shows approved affiliates their recruiting link per campaign, pending ones none", async () => {
    const sub = await joinVia(campaignA, recruiter.recruit_code);
    const subUser = await t.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", sub.email)
      .executeTakeFirstOrThrow();
    const pendingHome = body<PortalData>(
      await run(portalHome.loader, t.db, getRequest("/a", await signIn(t.db, subUser.id))),
    );
    expect(pendingHome.enrollments).toHaveLength(1);
    expect(pendingHome.enrollments[0].recruitUrl).toBeUndefined();

    const recruiterUser = await t.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", recruiter.email)
      .executeTakeFirstOrThrow();
    const home = body<PortalData>(
      await run(portalHome.loader, t.db, getRequest("/a", await signIn(t.db, recruiterUser.id))),
    );
    const byName = Object.fromEntries(home.enrollments.map((e) => [e.campaignName, e]));
    expect(byName.Partners.recruitUrl).toBe(
      `http://localhost:3000/join/${campaignA.slug}?via=${recruiter.recruit_code}`,
    );
    expect(byName.Second.recruitUrl).toBe(
      `http://localhost:3000/join/${campaignA2.slug}?via=${recruiter.recruit_code}`,
    );
    expect(byName.Partners.overridePercent).toBe("5%");
  });
});
