/**
 * The per-process cache of link code -> link (app/services/attribution/clicks.server.ts LinkCache): approved
 * links and unknown codes for LINK_CACHE_TTL_MS, bounded. A counted visit never relies on it (the
 * click insert re-checks the link in the database); uncounted visits (HEAD, bots) of an approved
 * link may see an entry up to the TTL old; pending/suspended/rejected links are never cached.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Campaign } from "../../app/db/schema";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import {
  followReferralLink,
  LINK_CACHE_TTL_MS,
  LinkCache,
  type ResolvedLink,
} from "../../app/services/attribution/clicks.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { BROWSER_UA, brandWithCampaign, enrolledAffiliate } from "./helpers";

const link = (status: ResolvedLink["affiliateStatus"] = "approved"): ResolvedLink => ({
  enrollmentId: "e",
  brandId: "b",
  campaignId: "c",
  affiliateId: "a",
  affiliateStatus: status,
  destinationUrl: "https://x.example/",
  cookieWindowDays: 30,
});

describe("LinkCache", () => {
  it("keeps approved links and unknown codes until they expire", () => {
    const cache = new LinkCache(10, 1000);
    cache.set("approved", link(), 0);
    cache.set("unknown", undefined, 0);
    expect(cache.get("approved", 999)).toEqual({ link: link(), expires: 1000 });
    expect(cache.get("unknown", 999)).toEqual({ link: undefined, expires: 1000 });
    expect(cache.get("approved", 1000)).toBeUndefined();
    expect(cache.get("unknown", 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it.each(["pending", "rejected", "suspended"] as const)(
    "never keeps a %s link (and drops an older entry for it)",
    (status) => {
      const cache = new LinkCache(10, 1000);
      cache.set("code", link(), 0);
      cache.set("code", link(status), 1);
      expect(cache.get("code", 2)).toBeUndefined();
    },
  );

  it("is bounded: past the limit the oldest entry goes first", () => {
    const cache = new LinkCache(100, 60_000);
    for (let i = 0; i < 1000; i++) cache.set(`code${i}`, undefined, i);
    expect(cache.size).toBe(100);
    expect(cache.get("code899", 1000)).toBeUndefined();
    expect(cache.get("code900", 1000)).toBeDefined();
  });
});

describe("followReferralLink with the cache", () => {
  let t: TestDatabase;
  let campaign: Campaign;
  let brandId: string;
  const deps = { ipSalt: "link-cache-test-salt-0123456789abcd" };
  const visit = (code: string, opts: { method?: string; userAgent?: string } = {}) =>
    followReferralLink(t.db, deps, {
      code,
      method: opts.method ?? "GET",
      userAgent: opts.userAgent ?? BROWSER_UA,
      referrer: null,
      ip: "192.0.2.1",
    });
  const later = (ms: number) => {
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + ms);
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    const made = await brandWithCampaign(t.db, "Cache Brand", {
      destinationUrl: "https://old.example.com/",
    });
    campaign = made.campaign;
    brandId = made.brand.brandId;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("a changed destination: counted visits use it at once; a bot may see the old one until the TTL passes", async () => {
    const { campaign: c } = await brandWithCampaign(t.db, "Moving", {
      destinationUrl: "https://old.example.com/",
    });
    const code = (await enrolledAffiliate(t.db, c)).enrollment.link_code;
    expect(await visit(code)).toMatchObject({
      kind: "redirect",
      location: expect.stringMatching(/^https:\/\/old\.example\.com\/\?rk_ref=/),
    });
    await t.db
      .updateTable("campaigns")
      .set({ destination_url: "https://new.example.com/" })
      .where("id", "=", c.id)
      .execute();

    // Documented staleness: an uncounted visit is answered from the cached entry.
    expect(await visit(code, { userAgent: "curl/8.5.0" })).toMatchObject({
      location: "https://old.example.com/",
    });
    // A counted visit is checked by the insert, re-read, and recorded for the new destination.
    const counted = await visit(code);
    expect(counted).toMatchObject({
      kind: "redirect",
      location: expect.stringMatching(/^https:\/\/new\.example\.com\/\?rk_ref=/),
    });
    const clickId = counted.kind === "redirect" ? counted.clickId! : "";
    expect(
      await t.db.selectFrom("clicks").select("id").where("id", "=", clickId).executeTakeFirst(),
    ).toEqual({ id: clickId });
    // The re-read refreshed the entry for everyone.
    expect(await visit(code, { userAgent: "curl/8.5.0" })).toMatchObject({
      location: "https://new.example.com/",
    });
  });

  it("a suspended affiliate: the next counted visit is a 404 with no click; uncounted visits within the TTL still redirect", async () => {
    const aff = await enrolledAffiliate(t.db, campaign);
    const code = aff.enrollment.link_code;
    expect((await visit(code)).kind).toBe("redirect");
    expect((await setAffiliateStatus(t.db, brandId, aff.affiliate.id, "suspended")).ok).toBe(true);
    expect(await visit(code, { method: "HEAD" })).toMatchObject({
      kind: "redirect",
      clickId: null,
    });
    const clicksBefore = await t.db
      .selectFrom("clicks")
      .select("id")
      .where("affiliate_id", "=", aff.affiliate.id)
      .execute();
    expect(await visit(code)).toEqual({ kind: "not_found" });
    expect(await visit(code, { method: "HEAD" })).toEqual({ kind: "not_found" });
    expect(
      await t.db
        .selectFrom("clicks")
        .select("id")
        .where("affiliate_id", "=", aff.affiliate.id)
        .execute(),
    ).toEqual(clicksBefore);
  });

  it("a pending affiliate approved: the very next visit counts (pending links are not cached)", async () => {
    const aff = await enrolledAffiliate(t.db, campaign, "pending");
    const code = aff.enrollment.link_code;
    expect(await visit(code)).toMatchObject({ kind: "redirect", clickId: null });
    expect((await setAffiliateStatus(t.db, brandId, aff.affiliate.id, "approved")).ok).toBe(true);
    expect(await visit(code)).toMatchObject({ kind: "redirect", clickId: expect.any(String) });
  });

  it("a suspended affiliate reinstated: its link works again at once", async () => {
    const aff = await enrolledAffiliate(t.db, campaign, "suspended");
    const code = aff.enrollment.link_code;
    expect(await visit(code)).toEqual({ kind: "not_found" });
    expect((await setAffiliateStatus(t.db, brandId, aff.affiliate.id, "approved")).ok).toBe(true);
    expect(await visit(code)).toMatchObject({ kind: "redirect", clickId: expect.any(String) });
  });

  it(`an unknown code is remembered as unknown for at most ${LINK_CACHE_TTL_MS} ms`, async () => {
    const aff = await enrolledAffiliate(t.db, campaign);
    const code = "zz2345zz";
    expect(await visit(code)).toEqual({ kind: "not_found" });
    // The code comes into existence (codes are random, so only a guess could be visited first).
    await t.db
      .updateTable("enrollments")
      .set({ link_code: code })
      .where("id", "=", aff.enrollment.id)
      .execute();
    expect(await visit(code)).toEqual({ kind: "not_found" });
    later(LINK_CACHE_TTL_MS + 1);
    expect(await visit(code)).toMatchObject({ kind: "redirect", clickId: expect.any(String) });
  });
});
