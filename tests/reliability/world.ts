/**
 * Two fully populated tenants for the fuzz, tenant-matrix and security tests: brands A and B, each
 * connected to its own Stripe emulator account, with an owner signed in, an API key, campaigns,
 * campaign coupons, affiliates (one of them with a portal login), affiliate codes, clicks,
 * conversions (a short purchase story processed through the real intake), a webhook endpoint.
 * `markers(X)` lists strings that identify X's data: none may ever show up in a response given to
 * someone who is not X.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import { createBrandWithOwner } from "../../app/services/accounts/accounts.server";
import { connectStripe } from "../../app/services/stripe-account/stripe-connection.server";
import { AttributionWorld, TestBrand } from "../attribution/harness";
import { testContext } from "../helpers/context";
import { signIn } from "../portal/fixtures";
import { makeEndpoint } from "../webhooks/helpers";
import { playStory } from "../support/purchase-story";
import type { CookieJar } from "../helpers/context";

export interface Tenant {
  name: string;
  brandId: string;
  ownerUserId: string;
  ownerEmail: string;
  owner: CookieJar;
  apiKey: string;
  apiKeyPrefix: string;
  stripeKey: string;
  brand: TestBrand;
  campaignId: string;
  campaignSlug: string;
  campaignCouponId: string;
  affiliateId: string;
  affiliateEmail: string;
  affiliateCouponId: string;
  affiliateCode: string;
  linkCode: string;
  recruitCode: string;
  conversionId: string;
  endpointId: string;
  endpointUrl: string;
  endpointSecret: string;
  /** The portal login of `affiliateId` (affiliate a1 of the story). */
  affiliateUser: CookieJar;
  affiliateUserId: string;
  /** Another affiliate of the same brand (a2, a1's sub-affiliate) with its own portal login. */
  otherAffiliateId: string;
  otherAffiliateUser: CookieJar;
}

export interface RelWorld {
  aw: AttributionWorld;
  db: DB;
  ctx: AppContext;
  A: Tenant;
  B: Tenant;
  close(): Promise<void>;
}

const uid = () => randomBytes(4).toString("hex");

async function portalUser(
  db: DB,
  affiliateId: string,
  email: string,
): Promise<{ userId: string; jar: CookieJar }> {
  const user = await db
    .insertInto("users")
    .values({ email, name: `Portal ${uid()}`, password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .updateTable("affiliates")
    .set({ user_id: user.id })
    .where("id", "=", affiliateId)
    .execute();
  return { userId: user.id, jar: await signIn(db, user.id) };
}

async function tenant(aw: AttributionWorld, name: string, seed: number): Promise<Tenant> {
  const db = aw.db;
  const ownerEmail = `owner-${name.toLowerCase()}-${uid()}@tenant.test`;
  const created = await createBrandWithOwner(db, {
    brandName: `Brand ${name} ${uid()}`,
    ownerName: `Owner ${name}`,
    email: ownerEmail,
    password: "correct-horse-battery",
    plan: "growth",
    verified: true,
  });
  const stripeKey = `rk_test_${name}${randomBytes(12).toString("hex")}`;
  const connected = await connectStripe(db, aw.config, created.brandId, stripeKey);
  if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected)}`);
  const brand = new TestBrand(aw, created.brandId, stripeKey);
  const story = await playStory(brand, seed, 12, Math.floor(Date.now() / 1000) - 60 * 86_400);
  for (const e of story.events) await brand.deliver(e);

  const affiliates = Object.keys(story.model.affiliates);
  const a1 = affiliates[0];
  const a2 = affiliates[1];
  const code = await db
    .selectFrom("affiliate_coupons")
    .select(["id", "code", "campaign_coupon_id", "campaign_id"])
    .where("affiliate_id", "=", a1)
    .executeTakeFirstOrThrow();
  const campaign = await db
    .selectFrom("campaigns")
    .select(["id", "slug"])
    .where("id", "=", code.campaign_id)
    .executeTakeFirstOrThrow();
  const enrollment = await db
    .selectFrom("enrollments")
    .select("link_code")
    .where("affiliate_id", "=", a1)
    .where("campaign_id", "=", campaign.id)
    .executeTakeFirstOrThrow();
  const aff = await db
    .selectFrom("affiliates")
    .select(["email", "recruit_code"])
    .where("id", "=", a1)
    .executeTakeFirstOrThrow();
  let conversion = await db
    .selectFrom("conversions")
    .select("id")
    .where("brand_id", "=", created.brandId)
    .executeTakeFirst();
  if (!conversion) throw new Error("the story produced no conversion");
  conversion = conversion!;
  const key = await createApiKey(db, { brandId: created.brandId, name: `Key ${name}` });
  const endpointUrl = `https://hooks-${name.toLowerCase()}-${uid()}.example.com/rekomi`;
  const endpoint = await makeEndpoint(db, created.brandId, endpointUrl);
  const owner = await signIn(db, created.userId);
  const p1 = await portalUser(db, a1, aff.email);
  const a2row = await db
    .selectFrom("affiliates")
    .select("email")
    .where("id", "=", a2)
    .executeTakeFirstOrThrow();
  const p2 = await portalUser(db, a2, a2row.email);
  return {
    name,
    brandId: created.brandId,
    ownerUserId: created.userId,
    ownerEmail,
    owner,
    apiKey: key.apiKey,
    apiKeyPrefix: key.prefix,
    stripeKey,
    brand,
    campaignId: campaign.id,
    campaignSlug: campaign.slug,
    campaignCouponId: code.campaign_coupon_id,
    affiliateId: a1,
    affiliateEmail: aff.email,
    affiliateCouponId: code.id,
    affiliateCode: code.code,
    linkCode: enrollment.link_code,
    recruitCode: aff.recruit_code,
    conversionId: conversion.id,
    endpointId: endpoint.id,
    endpointUrl,
    endpointSecret: endpoint.secret,
    affiliateUser: p1.jar,
    affiliateUserId: p1.userId,
    otherAffiliateId: a2,
    otherAffiliateUser: p2.jar,
  };
}

export async function buildWorld(seed = Math.floor(Math.random() * 2 ** 31)): Promise<RelWorld> {
  const aw = await AttributionWorld.start();
  const A = await tenant(aw, "A", seed);
  const B = await tenant(aw, "B", (seed + 7777) >>> 0);
  return {
    aw,
    db: aw.db,
    ctx: testContext(aw.db, { config: aw.config }),
    A,
    B,
    close: () => aw.close(),
  };
}

/** Strings that identify the tenant's data (ids, names, emails, codes, URLs, key prefixes). */
export async function markers(db: DB, t: Tenant): Promise<string[]> {
  const out = new Set<string>([
    t.brandId,
    t.apiKeyPrefix,
    t.endpointUrl,
    t.ownerEmail,
    t.stripeKey,
    t.endpointSecret,
  ]);
  const { rows } = await sql<{ v: string }>`
    select id::text as v from campaigns where brand_id = ${t.brandId}
    union select slug from campaigns where brand_id = ${t.brandId}
    union select id::text from affiliates where brand_id = ${t.brandId}
    union select email from affiliates where brand_id = ${t.brandId}
    union select recruit_code from affiliates where brand_id = ${t.brandId}
    union select id::text from campaign_coupons where brand_id = ${t.brandId}
    union select id::text from affiliate_coupons where brand_id = ${t.brandId}
    union select code from affiliate_coupons where brand_id = ${t.brandId}
    union select link_code from enrollments where brand_id = ${t.brandId}
    union select id::text from conversions where brand_id = ${t.brandId}
    union select stripe_customer_id from conversions where brand_id = ${t.brandId} and stripe_customer_id is not null
    union select id::text from webhook_endpoints where brand_id = ${t.brandId}
    union select name from brands where id = ${t.brandId}`.execute(db);
  for (const r of rows) if (r.v && r.v.length >= 6) out.add(r.v);
  return [...out];
}

/** The markers of one affiliate (what another affiliate of the same brand must never see). */
export async function affiliateMarkers(db: DB, affiliateId: string): Promise<string[]> {
  const { rows } = await sql<{ v: string }>`
    select email as v from affiliates where id = ${affiliateId}
    union select id::text from affiliates where id = ${affiliateId}
    union select code from affiliate_coupons where affiliate_id = ${affiliateId}
    union select link_code from enrollments where affiliate_id = ${affiliateId}
    union select recruit_code from affiliates where id = ${affiliateId}
    union select id::text from conversions where affiliate_id = ${affiliateId}
    union select stripe_customer_id from conversions where affiliate_id = ${affiliateId} and stripe_customer_id is not null`.execute(
    db,
  );
  return rows.map((r) => r.v).filter((v) => v && v.length >= 6);
}
