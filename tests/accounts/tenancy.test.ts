import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../app/db/db.server";
import { loader as dashboardLoader } from "../../app/routes/app._index";
import { loader as appLoader, type BrandLayoutData } from "../../app/routes/app";
import {
  action as settingsAction,
  loader as settingsLoader,
} from "../../app/routes/app.settings._index";
import {
  action as apiKeysAction,
  loader as apiKeysLoader,
} from "../../app/routes/app.settings.api-keys";
import { loader as settingsLayoutLoader } from "../../app/routes/app.settings";
import { hashPassword } from "../../app/auth/password.server";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import { type CookieJar, getRequest, postForm, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  PASSWORD,
  bodyOf,
  call,
  locationOf,
  logIn,
  signUpBrand,
  statusOf,
  uniqueEmail,
} from "./helpers";

let t: TestDatabase;
let a: { jar: CookieJar; brandId: string };
let b: { jar: CookieJar; brandId: string };

async function brandIdOf(db: DB, jar: CookieJar): Promise<string> {
  return bodyOf<BrandLayoutData>(await call(appLoader, getRequest("/app", jar), testContext(db)))
    .brand.id;
}

let seq = 0;
async function addCampaign(brandId: string, name: string) {
  seq += 1;
  return t.db
    .insertInto("campaigns")
    .values({
      brand_id: brandId,
      name,
      slug: `camp-${process.pid}-${seq}`,
      destination_url: "https://example.com",
      commission_type: "percent",
      commission_percent_bps: 2000,
      sub_affiliate_override_bps: 0,
      cookie_window_days: 30,
      auto_approve: false,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}
async function addAffiliate(
  brandId: string,
  status: "pending" | "approved",
  userId: string | null = null,
) {
  seq += 1;
  return t.db
    .insertInto("affiliates")
    .values({
      brand_id: brandId,
      user_id: userId,
      email: uniqueEmail("aff"),
      name: `Affiliate ${seq}`,
      status,
      recruit_code: `rc${process.pid}x${seq}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

beforeAll(async () => {
  t = await createTestDatabase();
  const sa = await signUpBrand(t.db, { brandName: "Brand A" });
  const sb = await signUpBrand(t.db, { brandName: "Brand B" });
  a = { jar: sa.jar, brandId: await brandIdOf(t.db, sa.jar) };
  b = { jar: sb.jar, brandId: await brandIdOf(t.db, sb.jar) };
  await addCampaign(b.brandId, "B campaign 1");
  await addCampaign(b.brandId, "B campaign 2");
  await addAffiliate(b.brandId, "pending");
  await addAffiliate(b.brandId, "approved");
  await addAffiliate(a.brandId, "approved");
});
afterAll(async () => {
  await t.drop();
});

interface Dash {
  brandName: string;
  stats: {
    campaignCount: number;
    affiliates: Record<string, number>;
    firstCampaignSlug: string | null;
  };
  joinUrl: string | null;
}

describe("brand scoping", () => {
  it("each dashboard counts only its own brand's rows", async () => {
    const dashA = bodyOf<Dash>(
      await call(dashboardLoader, getRequest("/app", a.jar), testContext(t.db)),
    );
    expect(dashA.brandName).toBe("Brand A");
    expect(dashA.stats.campaignCount).toBe(0);
    expect(dashA.stats.affiliates).toEqual({
      pending: 0,
      approved: 1,
      rejected: 0,
      suspended: 0,
      total: 1,
    });
    expect(dashA.joinUrl).toBeNull();

    const dashB = bodyOf<Dash>(
      await call(dashboardLoader, getRequest("/app", b.jar), testContext(t.db)),
    );
    expect(dashB.brandName).toBe("Brand B");
    expect(dashB.stats.campaignCount).toBe(2);
    expect(dashB.stats.affiliates).toMatchObject({ pending: 1, approved: 1, total: 2 });
    expect(dashB.joinUrl).toMatch(/^http:\/\/localhost:3000\/join\/camp-/);
  });

  it("settings show and change only the caller's brand", async () => {
    const settingsA = bodyOf<{ brand: { id: string; name: string } }>(
      await call(settingsLoader, getRequest("/app/settings", a.jar), testContext(t.db)),
    );
    expect(settingsA.brand).toMatchObject({ id: a.brandId, name: "Brand A" });

    const saved = await call(
      settingsAction,
      postForm("/app/settings", { name: "  Brand A Renamed  " }, a.jar),
      testContext(t.db),
    );
    expect(bodyOf(saved)).toEqual({ ok: true, name: "Brand A Renamed" });
    const names = await t.db
      .selectFrom("brands")
      .select(["id", "name"])
      .where("id", "in", [a.brandId, b.brandId])
      .execute();
    expect(Object.fromEntries(names.map((n) => [n.id, n.name]))).toEqual({
      [a.brandId]: "Brand A Renamed",
      [b.brandId]: "Brand B",
    });
  });

  it("settings reject an empty brand name with a field error", async () => {
    const result = await call(
      settingsAction,
      postForm("/app/settings", { name: "   " }, a.jar),
      testContext(t.db),
    );
    expect(statusOf(result)).toBe(400);
    expect(bodyOf<{ fieldErrors: { name?: string } }>(result).fieldErrors.name).toBe(
      "Enter your brand's name.",
    );
    const row = await t.db
      .selectFrom("brands")
      .select("name")
      .where("id", "=", a.brandId)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe("Brand A Renamed");
  });

  it("API keys: a brand lists only its keys and cannot revoke another brand's key", async () => {
    const keyB = await createApiKey(t.db, { brandId: b.brandId, name: "B server" });
    const listA = bodyOf<{ keys: { id: string }[] }>(
      await call(apiKeysLoader, getRequest("/app/settings/api-keys", a.jar), testContext(t.db)),
    );
    expect(listA.keys.map((k) => k.id)).not.toContain(keyB.id);
    const revoke = await call(
      apiKeysAction,
      postForm("/app/settings/api-keys", { intent: "revoke", id: keyB.id }, a.jar),
      testContext(t.db),
    );
    expect(statusOf(revoke)).toBe(404);
    const row = await t.db
      .selectFrom("api_keys")
      .select("revoked_at")
      .where("id", "=", keyB.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
  });
});

describe("portal separation", () => {
  it("an affiliate-only user opening /app is redirected to /a", async () => {
    const email = uniqueEmail("affuser");
    const user = await t.db
      .insertInto("users")
      .values({ email, name: "Affiliate Person", password_hash: await hashPassword(PASSWORD) })
      .returning("id")
      .executeTakeFirstOrThrow();
    await addAffiliate(b.brandId, "approved", user.id);

    const { jar, result } = await logIn(t.db, email);
    expect(locationOf(result)).toBe("/a");
    for (const loader of [
      appLoader,
      dashboardLoader,
      settingsLayoutLoader,
      settingsLoader,
      apiKeysLoader,
    ]) {
      const out = await call(loader, getRequest("/app", jar), testContext(t.db));
      expect(statusOf(out)).toBe(302);
      expect(locationOf(out)).toBe("/a");
    }
    const rename = await call(
      settingsAction,
      postForm("/app/settings", { name: "Affiliate was here" }, jar),
      testContext(t.db),
    );
    expect(locationOf(rename)).toBe("/a");
    expect(
      await t.db
        .selectFrom("brands")
        .select("id")
        .where("name", "=", "Affiliate was here")
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it("a user with neither a brand nor an affiliate gets 404; an anonymous visitor goes to /login", async () => {
    const email = uniqueEmail("orphan");
    await t.db
      .insertInto("users")
      .values({ email, name: "Orphan", password_hash: await hashPassword(PASSWORD) })
      .execute();
    const { jar } = await logIn(t.db, email);
    expect(statusOf(await call(appLoader, getRequest("/app", jar), testContext(t.db)))).toBe(404);
    expect(locationOf(await call(dashboardLoader, getRequest("/app"), testContext(t.db)))).toBe(
      "/login?redirectTo=%2Fapp",
    );
  });
});
