import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as portalLayout from "../../app/routes/a";
import * as portalHome from "../../app/routes/a._index";
import * as affiliatesList from "../../app/routes/app.affiliates._index";
import * as affiliateLayout from "../../app/routes/app.affiliates.$affiliateId";
import * as affiliateOverview from "../../app/routes/app.affiliates.$affiliateId._index";
import * as campaignsList from "../../app/routes/app.campaigns._index";
import * as campaignDetail from "../../app/routes/app.campaigns.$campaignId._index";
import * as campaignDelete from "../../app/routes/app.campaigns.$campaignId_.delete";
import * as join from "../../app/routes/join.$slug";
import type { Campaign } from "../../app/db/schema";
import { createAffiliate } from "../../app/services/affiliates/affiliates.server";
import { getAffiliate } from "../../app/services/affiliates/affiliate-reads.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { createCampaign, getCampaign } from "../../app/services/campaigns/campaigns.server";
import { CookieJar, getRequest, postForm, testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { body, brandWithOwner, run, signIn } from "./fixtures";

const base = {
  destinationUrl: "https://shop.example.com",
  commission: { type: "percent" as const, bps: 2000 },
  recurringMonths: 12,
  subAffiliateOverrideBps: 0,
  cookieWindowDays: 30,
};

type PortalData = {
  enrollments: {
    brandName: string;
    campaignName: string;
    status: string;
    referralUrl: string;
    commission: string;
  }[];
};

describe("affiliates, join flow, portal and tenancy", () => {
  let t: TestDatabase;
  let brandA: Awaited<ReturnType<typeof brandWithOwner>>;
  let brandB: Awaited<ReturnType<typeof brandWithOwner>>;
  let reviewed: Campaign; // brand A, manual approval
  let open: Campaign; // brand A, auto-approve
  let otherBrand: Campaign; // brand B, auto-approve

  beforeAll(async () => {
    t = await createTestDatabase();
    brandA = await brandWithOwner(t.db, "Brand A");
    brandB = await brandWithOwner(t.db, "Brand B");
    reviewed = await createCampaign(t.db, brandA.brandId, {
      ...base,
      name: "Reviewed",
      autoApprove: false,
    });
    open = await createCampaign(t.db, brandA.brandId, { ...base, name: "Open", autoApprove: true });
    otherBrand = await createCampaign(t.db, brandB.brandId, {
      ...base,
      name: "B Deals",
      autoApprove: true,
    });
  });
  afterAll(async () => {
    await t.drop();
  });

  async function joinViaRoute(slug: string, fields: Record<string, string>, jar = new CookieJar()) {
    const out = await run(join.action, t.db, postForm(`/join/${slug}`, fields, jar), { slug });
    if (out.response) jar.absorb(out.response);
    return { out, jar };
  }

  describe("join page", () => {
    it("404s for an unknown slug (loader and action)", async () => {
      expect(
        (await run(join.loader, t.db, getRequest("/join/nope"), { slug: "nope" })).status,
      ).toBe(404);
      expect(
        (await run(join.loader, t.db, getRequest("/join/..%2F"), { slug: "../" })).status,
      ).toBe(404);
      const { out } = await joinViaRoute("nope", {
        name: "X",
        email: "x@x.test",
        password: "long-enough-pw",
      });
      expect(out.status).toBe(404);
    });

    it("shows the brand, campaign and commission in words", async () => {
      const out = await run(join.loader, t.db, getRequest(`/join/${reviewed.slug}`), {
        slug: reviewed.slug,
      });
      expect(out.body).toMatchObject({
        campaign: {
          name: "Reviewed",
          brandName: "Brand A",
          commission: "20% recurring for 12 months",
          autoApprove: false,
        },
        signedIn: null,
      });
    });

    it("validates the form field by field and writes nothing", async () => {
      const { out } = await joinViaRoute(reviewed.slug, {
        name: "",
        email: "nope",
        password: "short",
      });
      expect(out.status).toBe(400);
      expect(Object.keys(body<{ fieldErrors: object }>(out).fieldErrors).sort()).toEqual([
        "email",
        "name",
        "password",
      ]);
      expect(
        await t.db.selectFrom("users").select("id").where("email", "=", "nope").execute(),
      ).toHaveLength(0);
    });

    it("without auto-approve: creates a pending affiliate and an unverified account, answers 'check your inbox' without a session", async () => {
      const { out, jar: anonJar } = await joinViaRoute(reviewed.slug, {
        name: "Pat Pending",
        email: "Pat@Aff.test",
        password: "pat-password-1",
      });
      expect(out.status).toBe(200);
      expect(body<{ sentTo: string }>(out).sentTo).toBe("pat@aff.test");
      expect(anonJar.get("__rekomi_session")).toBeUndefined();
      const pat = await t.db
        .selectFrom("users")
        .select(["id", "email_verified_at"])
        .where("email", "=", "pat@aff.test")
        .executeTakeFirstOrThrow();
      expect(pat.email_verified_at).toBeNull();
      const outbox = await t.db
        .selectFrom("email_outbox")
        .select(["kind", "subject"])
        .where("to_email", "=", "pat@aff.test")
        .execute();
      expect(outbox).toEqual([
        { kind: "verify_email", subject: "Confirm your email address for Rekomi" },
      ]);
      const jar = await signIn(t.db, pat.id);
      const aff = await t.db
        .selectFrom("affiliates")
        .selectAll()
        .where("email", "=", "pat@aff.test")
        .execute();
      expect(aff).toHaveLength(1);
      expect(aff[0]).toMatchObject({
        brand_id: brandA.brandId,
        status: "pending",
        name: "Pat Pending",
      });
      expect(aff[0].recruit_code).toMatch(/^[0-9a-z]{8}$/);
      const enr = await t.db
        .selectFrom("enrollments")
        .selectAll()
        .where("affiliate_id", "=", aff[0].id)
        .execute();
      expect(enr).toHaveLength(1);
      expect(enr[0].link_code).toMatch(/^[0-9abcdefghjkmnpqrstvwxyz]{8}$/);

      expect((await run(portalLayout.loader, t.db, getRequest("/a", jar))).status).toBe(200);
      const home = body<PortalData>(await run(portalHome.loader, t.db, getRequest("/a", jar)));
      expect(home.enrollments).toEqual([
        {
          id: enr[0].id,
          campaignId: enr[0].campaign_id,
          brandName: "Brand A",
          campaignName: "Reviewed",
          commission: "20% recurring for 12 months",
          status: "pending",
          referralUrl: `http://localhost:3000/r/${enr[0].link_code}`,
        },
      ]);
    });

    it("with auto-approve: the affiliate is approved at once", async () => {
      const { out } = await joinViaRoute(otherBrand.slug, {
        name: "Ana",
        email: "ana@aff.test",
        password: "ana-password-1",
      });
      expect(out.status).toBe(200);
      const aff = await t.db
        .selectFrom("affiliates")
        .selectAll()
        .where("email", "=", "ana@aff.test")
        .executeTakeFirstOrThrow();
      expect(aff).toMatchObject({ brand_id: brandB.brandId, status: "approved" });
    });

    it("joining again anonymously with an existing email changes nothing and gives the same answer; signed in, the person joins more campaigns of the brand", async () => {
      const fields = { name: "Pat Again", email: "pat@aff.test", password: "pat-password-1" };
      const again = await joinViaRoute(reviewed.slug, fields);
      expect(again.out.status).toBe(200);
      expect(body<{ sentTo: string }>(again.out).sentTo).toBe("pat@aff.test");
      expect(again.jar.get("__rekomi_session")).toBeUndefined();
      const pat = await t.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "pat@aff.test")
        .execute();
      expect(pat).toHaveLength(1);
      const affs = await t.db
        .selectFrom("affiliates")
        .selectAll()
        .where("email", "=", "pat@aff.test")
        .execute();
      expect(affs).toHaveLength(1);
      expect(affs[0].name).toBe("Pat Pending");
      // The account's owner is told by email to sign in to join.
      const told = await t.db
        .selectFrom("email_outbox")
        .select(["kind", "text_body"])
        .where("to_email", "=", "pat@aff.test")
        .where("kind", "=", "already_registered")
        .executeTakeFirstOrThrow();
      expect(told.text_body).toContain(
        `Sign in: http://localhost:3000/login?redirectTo=${encodeURIComponent(`/join/${reviewed.slug}`)}`,
      );

      // Signed in ("Sign in to join"), the same campaign reuses the enrollment...
      const jar = await signIn(t.db, pat[0].id);
      const same = await joinViaRoute(reviewed.slug, {}, jar);
      expect(same.out.status).toBe(302);
      expect(same.out.location).toBe("/a");
      expect(
        await t.db
          .selectFrom("enrollments")
          .select("id")
          .where("affiliate_id", "=", affs[0].id)
          .execute(),
      ).toHaveLength(1);

      // ...and the auto-approving campaign of the same brand approves the pending application.
      await joinViaRoute(open.slug, {}, jar);
      const after = await t.db
        .selectFrom("affiliates")
        .selectAll()
        .where("email", "=", "pat@aff.test")
        .execute();
      expect(after).toHaveLength(1);
      expect(after[0].status).toBe("approved");
      expect(
        await t.db
          .selectFrom("enrollments")
          .select("id")
          .where("affiliate_id", "=", after[0].id)
          .execute(),
      ).toHaveLength(2);
    });

    it("an existing email with any password (right or wrong) never signs in and changes nothing", async () => {
      const before = await t.db.selectFrom("affiliates").select("id").execute();
      for (const password of ["wrong-password-9", "pat-password-1"]) {
        const { out, jar } = await joinViaRoute(otherBrand.slug, {
          name: "Impostor",
          email: "pat@aff.test",
          password,
        });
        expect(out.status).toBe(200);
        expect(body<{ sentTo: string }>(out).sentTo).toBe("pat@aff.test");
        expect(jar.get("__rekomi_session")).toBeUndefined();
      }
      expect(await t.db.selectFrom("affiliates").select("id").execute()).toHaveLength(
        before.length,
      );
    });

    it("signed in, the same person joins a second brand without a password, and sees both", async () => {
      const pat = await t.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "pat@aff.test")
        .executeTakeFirstOrThrow();
      const { out, jar } = await joinViaRoute(otherBrand.slug, {}, await signIn(t.db, pat.id));
      expect(out.status).toBe(302);
      expect(out.location).toBe("/a");
      const home = body<PortalData>(await run(portalHome.loader, t.db, getRequest("/a", jar)));
      expect(
        home.enrollments.map((e) => `${e.brandName}/${e.campaignName}/${e.status}`).sort(),
      ).toEqual(["Brand A/Open/approved", "Brand A/Reviewed/approved", "Brand B/B Deals/approved"]);
    });

    it("a signed-in brand user sees a note instead of the form, and cannot post", async () => {
      const out = await run(join.loader, t.db, getRequest(`/join/${reviewed.slug}`, brandB.jar), {
        slug: reviewed.slug,
      });
      expect(body<{ signedIn: { isBrandUser: boolean } }>(out).signedIn.isBrandUser).toBe(true);
      const post = await run(
        join.action,
        t.db,
        postForm(
          `/join/${reviewed.slug}`,
          { name: "B", email: brandB.email, password: "correct-horse-battery" },
          brandB.jar,
        ),
        { slug: reviewed.slug },
      );
      expect(post.status).toBe(400);
      expect(
        await t.db
          .selectFrom("affiliates")
          .select("id")
          .where("email", "=", brandB.email)
          .execute(),
      ).toHaveLength(0);
    });
  });

  describe("portal separation", () => {
    it("an affiliate cannot load brand pages (redirect to /a); a brand user cannot load /a (redirect to /app)", async () => {
      const pat = await t.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "pat@aff.test")
        .executeTakeFirstOrThrow();
      const jar = await signIn(t.db, pat.id);
      const out = await run(campaignsList.loader, t.db, getRequest("/app/campaigns", jar));
      expect(out.status).toBe(302);
      expect(out.location).toBe("/a");
      const aff = await run(affiliatesList.loader, t.db, getRequest("/app/affiliates", jar));
      expect(aff.location).toBe("/a");

      for (const loader of [portalLayout.loader, portalHome.loader]) {
        const o = await run(loader, t.db, getRequest("/a", brandA.jar));
        expect(o.status).toBe(302);
        expect(o.location).toBe("/app");
      }
      const anon = await run(portalHome.loader, t.db, getRequest("/a"));
      expect(anon.location).toMatch(/^\/login\?redirectTo=/);
    });

    it("an affiliate sees only their own enrollments", async () => {
      const ana = await t.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "ana@aff.test")
        .executeTakeFirstOrThrow();
      const home = body<PortalData>(
        await run(portalHome.loader, t.db, getRequest("/a", await signIn(t.db, ana.id))),
      );
      expect(home.enrollments.map((e) => e.campaignName)).toEqual(["B Deals"]);
    });
  });

  describe("brand affiliates pages", () => {
    let pending: { id: string };
    beforeAll(async () => {
      for (const [name, email] of [
        ["Quinn", "quinn@aff.test"],
        ["Rae", "rae@aff.test"],
        ["Sol", "sol@aff.test"],
      ]) {
        const r = await joinCampaign(t.db, testConfig(), {
          slug: reviewed.slug,
          name,
          email,
          password: "long-password-1",
        });
        if (!r.ok) throw new Error("join failed");
      }
      pending = await t.db
        .selectFrom("affiliates")
        .select("id")
        .where("email", "=", "quinn@aff.test")
        .executeTakeFirstOrThrow();
    });

    type ListData = {
      affiliates: { id: string; name: string; status: string }[];
      counts: Record<string, number>;
    };

    it("lists with status filters and counts", async () => {
      const all = body<ListData>(
        await run(affiliatesList.loader, t.db, getRequest("/app/affiliates", brandA.jar)),
      );
      expect(all.counts).toMatchObject({ all: 4, pending: 3, approved: 1, rejected: 0 });
      expect(all.affiliates.map((a) => a.name).sort()).toEqual([
        "Pat Pending",
        "Quinn",
        "Rae",
        "Sol",
      ]);
      const pend = body<ListData>(
        await run(
          affiliatesList.loader,
          t.db,
          getRequest("/app/affiliates?status=pending", brandA.jar),
        ),
      );
      expect(pend.affiliates.map((a) => a.name).sort()).toEqual(["Quinn", "Rae", "Sol"]);
      const junk = body<ListData>(
        await run(
          affiliatesList.loader,
          t.db,
          getRequest("/app/affiliates?status=evil", brandA.jar),
        ),
      );
      expect(junk.affiliates).toHaveLength(4);
      const b = body<ListData>(
        await run(affiliatesList.loader, t.db, getRequest("/app/affiliates", brandB.jar)),
      );
      // Signed-in joins use the account's name.
      expect(b.affiliates.map((a) => a.name).sort()).toEqual(["Ana", "Pat Pending"]);
    });

    it("approves and rejects inline (CSRF-checked)", async () => {
      const rae = await t.db
        .selectFrom("affiliates")
        .select("id")
        .where("email", "=", "rae@aff.test")
        .executeTakeFirstOrThrow();
      const noCsrf = await run(
        affiliatesList.action,
        t.db,
        postForm("/app/affiliates", { affiliateId: pending.id, intent: "approve" }, brandA.jar, {
          csrf: null,
        }),
      );
      expect(noCsrf.status).toBe(403);
      expect((await getAffiliate(t.db, brandA.brandId, pending.id))!.status).toBe("pending");

      const ok = await run(
        affiliatesList.action,
        t.db,
        postForm("/app/affiliates", { affiliateId: pending.id, intent: "approve" }, brandA.jar),
      );
      expect(ok.status).toBe(200);
      expect(body<{ message: string }>(ok).message).toBe("Quinn is now approved.");
      expect((await getAffiliate(t.db, brandA.brandId, pending.id))!.status).toBe("approved");

      await run(
        affiliatesList.action,
        t.db,
        postForm("/app/affiliates", { affiliateId: rae.id, intent: "reject" }, brandA.jar),
      );
      expect((await getAffiliate(t.db, brandA.brandId, rae.id))!.status).toBe("rejected");

      // Rejecting an approved affiliate is not a valid move.
      const invalid = await run(
        affiliatesList.action,
        t.db,
        postForm("/app/affiliates", { affiliateId: pending.id, intent: "reject" }, brandA.jar),
      );
      expect(invalid.status).toBe(409);
      expect((await getAffiliate(t.db, brandA.brandId, pending.id))!.status).toBe("approved");
    });

    it("detail page: header data, suspend / reinstate, overview with referral links", async () => {
      const path = `/app/affiliates/${pending.id}`;
      const head = await run(affiliateLayout.loader, t.db, getRequest(path, brandA.jar), {
        affiliateId: pending.id,
      });
      expect(head.body).toMatchObject({
        affiliate: { name: "Quinn", email: "quinn@aff.test", status: "approved" },
        actions: ["suspend"],
      });
      expect(affiliateLayout.AFFILIATE_TABS.map((tab) => tab.label)).toEqual([
        "Overview",
        "Coupons",
      ]);

      await run(affiliateLayout.action, t.db, postForm(path, { intent: "suspend" }, brandA.jar), {
        affiliateId: pending.id,
      });
      expect((await getAffiliate(t.db, brandA.brandId, pending.id))!.status).toBe("suspended");
      await run(affiliateLayout.action, t.db, postForm(path, { intent: "reinstate" }, brandA.jar), {
        affiliateId: pending.id,
      });
      expect((await getAffiliate(t.db, brandA.brandId, pending.id))!.status).toBe("approved");
      const bogus = await run(
        affiliateLayout.action,
        t.db,
        postForm(path, { intent: "delete" }, brandA.jar),
        { affiliateId: pending.id },
      );
      expect(bogus.status).toBe(400);

      const overview = await run(affiliateOverview.loader, t.db, getRequest(path, brandA.jar), {
        affiliateId: pending.id,
      });
      const { enrollments } = body<{
        enrollments: { campaignName: string; referralUrl: string }[];
      }>(overview);
      expect(enrollments).toHaveLength(1);
      expect(enrollments[0].campaignName).toBe("Reviewed");
      expect(enrollments[0].referralUrl).toMatch(/^http:\/\/localhost:3000\/r\/[0-9a-z]{8}$/);
    });
  });

  describe("cross-tenant denial", () => {
    it("brand B gets 404 for brand A's campaign pages and actions, and nothing changes", async () => {
      const id = reviewed.id;
      const params = { campaignId: id };
      expect(
        (
          await run(
            campaignDetail.loader,
            t.db,
            getRequest(`/app/campaigns/${id}`, brandB.jar),
            params,
          )
        ).status,
      ).toBe(404);
      expect(
        (
          await run(
            campaignDelete.loader,
            t.db,
            getRequest(`/app/campaigns/${id}/delete`, brandB.jar),
            params,
          )
        ).status,
      ).toBe(404);
      const edit = await run(
        campaignDetail.action,
        t.db,
        postForm(
          `/app/campaigns/${id}`,
          {
            name: "Hijacked",
            destination_url: "https://evil.example.com",
            commission_type: "percent",
            commission_percent: "99",
            recurring_months: "",
            sub_affiliate_override_percent: "0",
            cookie_window_days: "30",
          },
          brandB.jar,
        ),
        params,
      );
      expect(edit.status).toBe(404);
      const del = await run(
        campaignDelete.action,
        t.db,
        postForm(`/app/campaigns/${id}/delete`, {}, brandB.jar),
        params,
      );
      expect(del.status).toBe(404);
      expect(await getCampaign(t.db, brandA.brandId, id)).toMatchObject({
        name: "Reviewed",
        commission_percent_bps: 2000,
      });
      const list = body<{ campaigns: { name: string }[] }>(
        await run(campaignsList.loader, t.db, getRequest("/app/campaigns", brandB.jar)),
      );
      expect(list.campaigns.map((c) => c.name)).toEqual(["B Deals"]);
    });

    it("brand B gets 404 for brand A's affiliate pages and status actions, and nothing changes", async () => {
      const sol = await t.db
        .selectFrom("affiliates")
        .selectAll()
        .where("email", "=", "sol@aff.test")
        .executeTakeFirstOrThrow();
      const params = { affiliateId: sol.id };
      const path = `/app/affiliates/${sol.id}`;
      expect(
        (await run(affiliateLayout.loader, t.db, getRequest(path, brandB.jar), params)).status,
      ).toBe(404);
      expect(
        (await run(affiliateOverview.loader, t.db, getRequest(path, brandB.jar), params)).status,
      ).toBe(404);
      expect(
        (
          await run(
            affiliateLayout.action,
            t.db,
            postForm(path, { intent: "approve" }, brandB.jar),
            params,
          )
        ).status,
      ).toBe(404);
      const inline = await run(
        affiliatesList.action,
        t.db,
        postForm("/app/affiliates", { affiliateId: sol.id, intent: "reject" }, brandB.jar),
      );
      expect(inline.status).toBe(404);
      expect((await getAffiliate(t.db, brandA.brandId, sol.id))!.status).toBe("pending");
    });

    it("anonymous visitors are sent to log in", async () => {
      const out = await run(campaignsList.loader, t.db, getRequest("/app/campaigns"));
      expect(out.status).toBe(302);
      expect(out.location).toBe("/login?redirectTo=%2Fapp%2Fcampaigns");
    });
  });

  describe("createAffiliate (for the API)", () => {
    it("creates an approved affiliate enrolled in the brand's campaign; duplicates conflict; other brands' campaigns are unknown", async () => {
      const created = await createAffiliate(t.db, testConfig(), brandA.brandId, {
        email: "New@Aff.test",
        name: "Newbie",
        campaignId: open.id,
      });
      expect(created.ok).toBe(true);
      if (!created.ok) return;
      expect(created.affiliate).toMatchObject({
        email: "new@aff.test",
        status: "approved",
        user_id: null,
      });
      expect(created.enrollment.campaign_id).toBe(open.id);

      const dup = await createAffiliate(t.db, testConfig(), brandA.brandId, {
        email: "new@aff.test",
        name: "Again",
        campaignId: open.id,
      });
      expect(dup).toMatchObject({ ok: false, reason: "conflict" });
      const foreign = await createAffiliate(t.db, testConfig(), brandA.brandId, {
        email: "x@aff.test",
        name: "X",
        campaignId: otherBrand.id,
      });
      expect(foreign).toMatchObject({
        ok: false,
        reason: "invalid",
        fieldErrors: { campaignId: "Unknown campaign." },
      });
      const pendingOne = await createAffiliate(t.db, testConfig(), brandA.brandId, {
        email: "p@aff.test",
        name: "P",
        campaignId: open.id,
        status: "pending",
      });
      expect(pendingOne.ok && pendingOne.affiliate.status).toBe("pending");

      // Joining with that email never claims the row: only the emailed invitation does.
      const joined = await joinCampaign(t.db, testConfig(), {
        slug: open.slug,
        name: "Newbie",
        email: "new@aff.test",
        password: "newbie-password",
      });
      expect(joined).toEqual({ ok: true, outcome: "check_email" });
      expect((await getAffiliate(t.db, brandA.brandId, created.affiliate.id))!.user_id).toBeNull();
    });
  });
});
