import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as affiliatesPage from "../../app/routes/app.affiliates._index";
import type { Campaign } from "../../app/db/schema";
import {
  mailboxOf,
  overrideEarner,
  recruitFlags,
  recruitStatus,
} from "../../app/domain/recruiting";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { recordS2sConversion } from "../../app/services/attribution/s2s.server";
import { getRequest, postForm, testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { body, brandWithOwner, run, signIn } from "../portal/fixtures";
import { campaignInput } from "./helpers";

/** Issue 15: recruits need approval, sock puppets are flagged, nobody earns an override on their own sale. */
describe("recruit rules (pure)", () => {
  it("one mailbox however it is spelled", () => {
    expect(mailboxOf("Sarah.Chen+acme@GMail.com")).toBe("sarahchen@gmail.com");
    expect(mailboxOf("sarah.chen@googlemail.com")).toBe("sarahchen@gmail.com");
    expect(mailboxOf("s.chen+x@studio.io")).toBe("s.chen@studio.io");
  });

  it("flags the same mailbox, a shared company domain and the same signup IP; not a shared public provider", () => {
    const sarah = { email: "sarah.chen@gmail.com", signupIp: "203.0.113.7" };
    expect(recruitFlags(sarah, { email: "sarahchen+2@gmail.com", signupIp: null })).toEqual([
      "same_email",
    ]);
    expect(recruitFlags(sarah, { email: "bob@gmail.com", signupIp: "198.51.100.2" })).toEqual([]);
    expect(recruitFlags(sarah, { email: "bob@gmail.com", signupIp: "203.0.113.7" })).toEqual([
      "same_signup_ip",
    ]);
    const studio = { email: "sarah@studio.io", signupIp: null };
    expect(recruitFlags(studio, { email: "bob@studio.io", signupIp: null })).toEqual([
      "same_email_domain",
    ]);
    expect(recruitFlags(studio, { email: "bob@other.io", signupIp: null })).toEqual([]);
  });

  it("recruits wait unless the campaign approves them; flagged ones always wait", () => {
    expect(recruitStatus({ autoApproveRecruits: false, flags: [] })).toBe("pending");
    expect(recruitStatus({ autoApproveRecruits: true, flags: [] })).toBe("approved");
    expect(recruitStatus({ autoApproveRecruits: true, flags: ["same_signup_ip"] })).toBe("pending");
  });

  it("the override goes to an approved parent, never to oneself, never through an unconfirmed flag", () => {
    const clean = { id: "c", recruitFlags: [], recruitFlagsClearedAt: null };
    const flagged = { id: "c", recruitFlags: ["same_signup_ip"], recruitFlagsClearedAt: null };
    const confirmed = { ...flagged, recruitFlagsClearedAt: new Date() };
    expect(overrideEarner(clean, { id: "p", status: "approved" })).toBe("p");
    expect(overrideEarner(clean, { id: "p", status: "suspended" })).toBeNull();
    expect(overrideEarner(clean, { id: "c", status: "approved" })).toBeNull();
    expect(overrideEarner(clean, { id: null, status: null })).toBeNull();
    expect(overrideEarner(flagged, { id: "p", status: "approved" })).toBeNull();
    expect(overrideEarner(confirmed, { id: "p", status: "approved" })).toBe("p");
  });
});

describe("recruits through /join (real services and routes)", () => {
  let t: TestDatabase;
  let brand: Awaited<ReturnType<typeof brandWithOwner>>;
  let open: Campaign; // approves everyone who joins directly, not recruits
  let recruitsToo: Campaign; // also approves recruits
  let sarah: { id: string; recruitCode: string };
  const SARAH_IP = "203.0.113.7";
  let n = 0;

  async function join(campaign: Campaign, opts: { via?: string; ip: string; email?: string }) {
    n++;
    const email = opts.email ?? `person${n}-${Date.now()}@example.org`;
    const r = await joinCampaign(t.db, testConfig(), {
      slug: campaign.slug,
      name: `Person ${n}`,
      email,
      password: "a long and unusual passphrase 42",
      parentRecruitCode: opts.via,
      clientIp: opts.ip,
    });
    if (!r.ok || r.outcome !== "joined") throw new Error(`join failed: ${JSON.stringify(r)}`);
    return r.affiliate;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    brand = await brandWithOwner(t.db, "Recruit Review");
    open = await createCampaign(t.db, brand.brandId, {
      ...campaignInput({ name: "Open" }),
      autoApprove: true,
      subAffiliateOverrideBps: 1000,
    });
    recruitsToo = await createCampaign(t.db, brand.brandId, {
      ...campaignInput({ name: "Recruits too" }),
      autoApprove: true,
      autoApproveRecruits: true,
      subAffiliateOverrideBps: 1000,
    });
    const s = await join(open, { ip: SARAH_IP, email: `sarah-${Date.now()}@gmail.com` });
    expect(s.status).toBe("approved");
    expect(s.signup_ip).toBe(SARAH_IP);
    sarah = { id: s.id, recruitCode: s.recruit_code };
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("a recruit waits for approval even on an auto-approve campaign, unless recruits are opted in", async () => {
    const viaOpen = await join(open, { via: sarah.recruitCode, ip: "198.51.100.20" });
    expect(viaOpen).toMatchObject({ parent_affiliate_id: sarah.id, status: "pending" });
    expect(viaOpen.recruit_flags).toEqual([]);
    const viaRecruitsToo = await join(recruitsToo, { via: sarah.recruitCode, ip: "198.51.100.21" });
    expect(viaRecruitsToo).toMatchObject({ parent_affiliate_id: sarah.id, status: "approved" });
  });

  it("a sock puppet (same IP as Sarah) stays pending and is flagged, even where recruits are auto-approved", async () => {
    const puppet = await join(recruitsToo, { via: sarah.recruitCode, ip: SARAH_IP });
    expect(puppet).toMatchObject({ parent_affiliate_id: sarah.id, status: "pending" });
    expect(puppet.recruit_flags).toEqual(["same_signup_ip"]);

    const jar = await signIn(t.db, brand.userId);
    const page = body<{ affiliates: { id: string; status: string; flags: string[] }[] }>(
      await run(affiliatesPage.loader, t.db, getRequest("/app/affiliates?status=pending", jar), {}),
    );
    const row = page.affiliates.find((a) => a.id === puppet.id);
    expect(row?.flags).toEqual([
      `Signed up from the same IP address as ${await nameOf(sarah.id)} (their recruiter).`,
    ]);
  });

  async function nameOf(id: string) {
    return (
      await t.db
        .selectFrom("affiliates")
        .select("name")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).name;
  }

  async function overrideOn(affiliateId: string, externalId: string) {
    const r = await recordS2sConversion(t.db, brand.brandId, {
      external_id: externalId,
      amount: 10000,
      currency: "usd",
      affiliate_id: affiliateId,
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    return t.db
      .selectFrom("commission_entries")
      .select(["kind", "affiliate_id", "amount"])
      .where("conversion_id", "=", r.conversion.id)
      .orderBy("kind")
      .execute();
  }

  it("an approved but flagged recruit's sale pays its parent no override until the brand confirms two people", async () => {
    const puppet = await join(open, { via: sarah.recruitCode, ip: SARAH_IP });
    expect(await setAffiliateStatus(t.db, brand.brandId, puppet.id, "approved")).toMatchObject({
      ok: true,
    });
    expect(await overrideOn(puppet.id, `puppet-${puppet.id}-1`)).toEqual([
      { kind: "commission", affiliate_id: puppet.id, amount: 2000 },
    ]);

    /** "They are different people" on the approval screen, as the given brand owner. */
    const confirmAs = async (userId: string) =>
      run(
        affiliatesPage.action,
        t.db,
        postForm(
          "/app/affiliates",
          { intent: "confirm_different_people", affiliateId: puppet.id },
          await signIn(t.db, userId),
        ),
        {},
      );
    expect((await confirmAs(brand.userId)).status).toBe(200);
    expect(await overrideOn(puppet.id, `puppet-${puppet.id}-2`)).toEqual([
      { kind: "commission", affiliate_id: puppet.id, amount: 2000 },
      { kind: "override", affiliate_id: sarah.id, amount: 1000 },
    ]);

    // Another brand's session cannot confirm anything here.
    const other = await brandWithOwner(t.db, "Someone Else");
    expect((await confirmAs(other.userId)).status).toBe(404);
  });
});
