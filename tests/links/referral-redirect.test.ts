import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as r from "../../app/routes/r.$code";
import type { Campaign } from "../../app/db/schema";
import { deleteCampaign } from "../../app/services/campaigns/campaigns.server";
import { hashIp } from "../../app/services/attribution/clicks.server";
import { testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { BROWSER_UA, brandWithCampaign, callLoader, enrolledAffiliate } from "./helpers";

const BASE = "http://localhost:3000";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function visit(code: string, init: { method?: string; ua?: string | null; referer?: string } = {}) {
  const headers: Record<string, string> = {};
  const ua = init.ua === undefined ? BROWSER_UA : init.ua;
  if (ua !== null) headers["User-Agent"] = ua;
  if (init.referer) headers["Referer"] = init.referer;
  return new Request(`${BASE}/r/${code}`, { method: init.method ?? "GET", headers });
}

describe("referral links /r/{code}", () => {
  let t: TestDatabase;
  let campaign: Campaign;
  let code: string;
  let enrollment: { id: string; brand_id: string; campaign_id: string; affiliate_id: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ campaign } = await brandWithCampaign(t.db, "Links Brand", {
      destinationUrl: "https://shop.example.com/pricing?plan=pro&utm_source=aff%20x#compare",
      cookieWindowDays: 45,
    }));
    const aff = await enrolledAffiliate(t.db, campaign);
    enrollment = aff.enrollment;
    code = aff.enrollment.link_code;
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function clickCount() {
    const row = await t.db
      .selectFrom("clicks")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it("records a click, redirects 302 with rk_ref appended (query and fragment kept) and sets the cookie", async () => {
    const before = await clickCount();
    const res = await callLoader(
      r.loader,
      t.db,
      visit(code, { referer: "https://blog.example.org/post" }),
      { code },
      { clientIp: "203.0.113.7" },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const location = res.headers.get("Location")!;
    const match =
      /^https:\/\/shop\.example\.com\/pricing\?plan=pro&utm_source=aff%20x&rk_ref=([^#&]+)#compare$/.exec(
        location,
      );
    expect(match, location).not.toBeNull();
    const clickId = match![1];
    expect(clickId).toMatch(UUID);

    expect(await clickCount()).toBe(before + 1);
    const click = await t.db
      .selectFrom("clicks")
      .selectAll()
      .where("id", "=", clickId)
      .executeTakeFirstOrThrow();
    expect(click).toMatchObject({
      brand_id: enrollment.brand_id,
      campaign_id: enrollment.campaign_id,
      affiliate_id: enrollment.affiliate_id,
      enrollment_id: enrollment.id,
      referrer: "https://blog.example.org/post",
      user_agent: BROWSER_UA,
    });
    // The IP is only kept as a salted hash.
    expect(click.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(click.ip_hash).toBe(hashIp("203.0.113.7", testConfig().sessionSecret));
    expect(click.ip_hash).not.toContain("203.0.113.7");
    expect(hashIp("203.0.113.7", "another-salt-0123456789-0123456789")).not.toBe(click.ip_hash);

    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair, ...attrs] = cookies[0].split(/;\s*/);
    expect(pair).toBe(`rekomi_ref=${clickId}`);
    expect(attrs).toEqual(
      expect.arrayContaining(["HttpOnly", "SameSite=Lax", "Path=/", `Max-Age=${45 * 86400}`]),
    );
    expect(attrs).not.toContain("Secure");
  });

  it("marks the cookie Secure when APP_URL is https", async () => {
    const res = await callLoader(
      r.loader,
      t.db,
      visit(code),
      { code },
      {
        config: testConfig({ APP_URL: "https://rekomi.example.com" }),
      },
    );
    expect(res.status).toBe(302);
    const cookie = res.headers.getSetCookie()[0];
    expect(cookie.split(/;\s*/)).toEqual(
      expect.arrayContaining(["Secure", "HttpOnly", "SameSite=Lax", `Max-Age=${45 * 86400}`]),
    );
  });

  it("uses each campaign's own cookie window and destination (no query string, an old rk_ref replaced)", async () => {
    const { campaign: plain } = await brandWithCampaign(t.db, "Plain", {
      destinationUrl: "https://plain.example.com",
      cookieWindowDays: 7,
    });
    const a = await enrolledAffiliate(t.db, plain);
    const res = await callLoader(r.loader, t.db, visit(a.enrollment.link_code), {
      code: a.enrollment.link_code,
    });
    expect(res.headers.get("Location")).toMatch(
      /^https:\/\/plain\.example\.com\/\?rk_ref=[0-9a-f-]{36}$/,
    );
    expect(res.headers.getSetCookie()[0]).toContain(`Max-Age=${7 * 86400}`);

    const { campaign: tagged } = await brandWithCampaign(t.db, "Tagged", {
      destinationUrl: "https://tagged.example.com/?rk_ref=stale&x=1",
    });
    const b = await enrolledAffiliate(t.db, tagged);
    const res2 = await callLoader(r.loader, t.db, visit(b.enrollment.link_code), {
      code: b.enrollment.link_code,
    });
    const loc = res2.headers.get("Location")!;
    expect(loc).toMatch(/^https:\/\/tagged\.example\.com\/\?x=1&rk_ref=[0-9a-f-]{36}$/);
    expect(new URL(loc).searchParams.getAll("rk_ref")).toHaveLength(1);
  });

  it("each visit is its own click with a new id", async () => {
    const before = await clickCount();
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await callLoader(r.loader, t.db, visit(code), { code });
      ids.add(new URL(res.headers.get("Location")!).searchParams.get("rk_ref")!);
    }
    expect(ids.size).toBe(3);
    expect(await clickCount()).toBe(before + 3);
  });

  it.each([
    ["a well-formed unknown code", "zzzzzzzz"],
    ["a malformed code", "../../etc"],
    ["an over-long code", "a".repeat(500)],
    ["a code in another case", "ABCDEFGH"],
  ])("answers a plain 404 page without cookie or redirect for %s", async (_label, bad) => {
    const before = await clickCount();
    const res = await callLoader(r.loader, t.db, visit(bad), { code: bad });
    expect(res.status).toBe(404);
    expect(res.headers.get("Location")).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("This link is not active");
    expect(await clickCount()).toBe(before);
  });

  it("HEAD requests redirect (link previews work) but record nothing and set no cookie", async () => {
    const before = await clickCount();
    const res = await callLoader(r.loader, t.db, visit(code, { method: "HEAD" }), { code });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(
      "https://shop.example.com/pricing?plan=pro&utm_source=aff%20x#compare",
    );
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await clickCount()).toBe(before);
  });

  it.each([
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "curl/8.5.0",
  ])("bot %s: redirected, not counted, no cookie", async (ua) => {
    const before = await clickCount();
    const res = await callLoader(r.loader, t.db, visit(code, { ua }), { code });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).not.toContain("rk_ref");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await clickCount()).toBe(before);
  });

  it("a visit without a user agent still counts (isbot decides what is a bot)", async () => {
    const before = await clickCount();
    const res = await callLoader(r.loader, t.db, visit(code, { ua: null }), { code });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toContain("rk_ref=");
    expect(await clickCount()).toBe(before + 1);
  });

  it("truncates long referrers and user agents", async () => {
    const longUa = `${BROWSER_UA} ${"x".repeat(2000)}`;
    const res = await callLoader(
      r.loader,
      t.db,
      visit(code, { ua: longUa, referer: `https://ref.example.com/${"p".repeat(3000)}` }),
      { code },
    );
    const id = new URL(res.headers.get("Location")!).searchParams.get("rk_ref")!;
    const click = await t.db
      .selectFrom("clicks")
      .select(["referrer", "user_agent"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(click.user_agent).toHaveLength(512);
    expect(click.referrer).toHaveLength(1000);
    expect(longUa.startsWith(click.user_agent!)).toBe(true);
  });

  describe("affiliate status and campaign lifecycle", () => {
    it("pending: redirects without rk_ref, no click, no cookie", async () => {
      const a = await enrolledAffiliate(t.db, campaign, "pending");
      const before = await clickCount();
      const res = await callLoader(r.loader, t.db, visit(a.enrollment.link_code), {
        code: a.enrollment.link_code,
      });
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe(campaign.destination_url);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await clickCount()).toBe(before);
    });

    it.each(["rejected", "suspended"] as const)("%s: 404, no cookie, no click", async (status) => {
      const a = await enrolledAffiliate(t.db, campaign, status);
      const before = await clickCount();
      const res = await callLoader(r.loader, t.db, visit(a.enrollment.link_code), {
        code: a.enrollment.link_code,
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("Location")).toBeNull();
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await clickCount()).toBe(before);
    });

    it("a deleted campaign's links are unknown (404)", async () => {
      const { brand, campaign: doomed } = await brandWithCampaign(t.db, "Doomed");
      const a = await enrolledAffiliate(t.db, doomed);
      const linkCode = a.enrollment.link_code;
      expect(
        (await callLoader(r.loader, t.db, visit(linkCode, { method: "HEAD" }), { code: linkCode }))
          .status,
      ).toBe(302);
      expect(await deleteCampaign(t.db, brand.brandId, doomed.id)).toBe(true);
      const res = await callLoader(r.loader, t.db, visit(linkCode), { code: linkCode });
      expect(res.status).toBe(404);
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it("never redirects to a destination that is not http(s), and records nothing", async () => {
      const { campaign: bad } = await brandWithCampaign(t.db, "Tampered");
      const a = await enrolledAffiliate(t.db, bad);
      // Bypass the campaign form's validation, as a corrupted row would.
      await t.db
        .updateTable("campaigns")
        .set({ destination_url: "javascript:alert(document.cookie)" })
        .where("id", "=", bad.id)
        .execute();
      const before = await clickCount();
      const res = await callLoader(r.loader, t.db, visit(a.enrollment.link_code), {
        code: a.enrollment.link_code,
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("Location")).toBeNull();
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await clickCount()).toBe(before);
    });

    it("query parameters on /r/ never influence the destination", async () => {
      const req = new Request(
        `${BASE}/r/${code}?to=https://evil.example.net&destination=https://evil.example.net&rk_ref=x`,
        { headers: { "User-Agent": BROWSER_UA } },
      );
      const res = await callLoader(r.loader, t.db, req, { code });
      const loc = new URL(res.headers.get("Location")!);
      expect(loc.host).toBe("shop.example.com");
      expect(loc.searchParams.get("rk_ref")).toMatch(UUID);
    });
  });
});
