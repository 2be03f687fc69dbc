/**
 * Benchmark data, created through the app's own services where they exist (brands, Stripe
 * connection, API keys, sessions) and in bulk SQL where volume matters (1,000,000 conversions via
 * generate_series).
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { sessionStorage } from "../app/auth/session.server";
import { encodeReadableCode, LINK_CODE_LENGTH } from "../app/domain/codes";
import { createBrandWithOwner } from "../app/services/accounts/accounts.server";
import { createApiKey } from "../app/services/accounts/api-keys.server";
import {
  connectStripe,
  loadWebhookSecret,
} from "../app/services/stripe-account/stripe-connection.server";
import { stripeClient } from "../app/stripe/client.server";
import type { Stack } from "./stack";

const uid = (n = 6) => randomBytes(n).toString("hex");

export interface BenchBrand {
  brandId: string;
  userId: string;
  stripeKey: string;
  webhookSecret: string;
}

/** A brand with an owner, connected to its own emulator account (webhook endpoint + secret). */
export async function createConnectedBrand(
  stack: Stack,
  name: string,
  plan: "growth" | "scale" = "scale",
): Promise<BenchBrand> {
  const created = await createBrandWithOwner(stack.db, {
    brandName: name,
    ownerName: `${name} owner`,
    email: `owner-${uid()}@bench.example`,
    password: `bench-${uid(8)}`,
    plan,
  });
  const stripeKey = `rk_test_bench${uid(10)}`;
  const connected = await connectStripe(stack.db, stack.config, created.brandId, stripeKey);
  if (!connected.ok) throw new Error(`connectStripe failed: ${connected.message}`);
  const secret = await loadWebhookSecret(stack.db, stack.config, created.brandId);
  if (!secret) throw new Error("no webhook secret stored");
  return {
    brandId: created.brandId,
    userId: created.userId,
    stripeKey,
    webhookSecret: secret.webhookSecret,
  };
}

export async function createCampaign(
  stack: Stack,
  brandId: string,
  name = "Bench campaign",
): Promise<string> {
  const row = await stack.db
    .insertInto("campaigns")
    .values({
      brand_id: brandId,
      name,
      slug: `bench-${uid()}`,
      destination_url: "https://brand.example/pricing",
      commission_type: "percent",
      commission_percent_bps: 2000,
      recurring_months: null,
      sub_affiliate_override_bps: 0,
      cookie_window_days: 30,
      auto_approve: true,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface SeededAffiliate {
  affiliateId: string;
  enrollmentId: string;
  linkCode: string;
}

/** `n` approved affiliates enrolled in the campaign (bulk insert), each with a referral link code. */
export async function createAffiliates(
  stack: Stack,
  brandId: string,
  campaignId: string,
  n: number,
): Promise<SeededAffiliate[]> {
  const out: SeededAffiliate[] = [];
  for (let start = 0; start < n; start += 500) {
    const size = Math.min(500, n - start);
    const affiliates = await stack.db
      .insertInto("affiliates")
      .values(
        Array.from({ length: size }, (_, i) => ({
          brand_id: brandId,
          email: `aff-${start + i}-${uid(3)}@bench.example`,
          name: `Affiliate ${String(start + i).padStart(4, "0")}`,
          status: "approved" as const,
          recruit_code: encodeReadableCode(randomBytes(LINK_CODE_LENGTH)),
        })),
      )
      .returning("id")
      .execute();
    const enrollments = await stack.db
      .insertInto("enrollments")
      .values(
        affiliates.map((a) => ({
          brand_id: brandId,
          campaign_id: campaignId,
          affiliate_id: a.id,
          link_code: encodeReadableCode(randomBytes(LINK_CODE_LENGTH)),
        })),
      )
      .returning(["id", "affiliate_id", "link_code"])
      .execute();
    for (const e of enrollments)
      out.push({ affiliateId: e.affiliate_id, enrollmentId: e.id, linkCode: e.link_code });
  }
  return out;
}

/**
 * One campaign coupon (Stripe coupon, 10 % off forever) and one affiliate code per affiliate
 * (Stripe promotion code + affiliate_coupons row). Returns the code texts.
 */
export async function createCodes(
  stack: Stack,
  brand: BenchBrand,
  campaignId: string,
  affiliates: SeededAffiliate[],
): Promise<string[]> {
  const stripe = stripeClient(stack.config, brand.stripeKey);
  const coupon = await stripe.coupons.create({
    percent_off: 10,
    duration: "forever",
    name: "Bench 10 %",
  });
  const cc = await stack.db
    .insertInto("campaign_coupons")
    .values({
      brand_id: brand.brandId,
      campaign_id: campaignId,
      name: "Bench 10 %",
      discount_type: "percent",
      percent_off_bps: 1000,
      amount_off: null,
      currency: null,
      duration: "forever",
      duration_in_months: null,
      overrides_click_attribution: true,
      stripe_coupon_id: coupon.id,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const codes: string[] = [];
  for (const [i, a] of affiliates.entries()) {
    const code = `BENCH${i}X${uid(2).toUpperCase()}`;
    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code,
    });
    await stack.db
      .insertInto("affiliate_coupons")
      .values({
        brand_id: brand.brandId,
        affiliate_id: a.affiliateId,
        campaign_coupon_id: cc.id,
        campaign_id: campaignId,
        code,
        stripe_promotion_code_id: promo.id,
        commission_rate_bps: null,
        created_by: "brand",
      })
      .execute();
    codes.push(code);
  }
  return codes;
}

/** A signed-in owner session, as the browser's Cookie header. */
export async function sessionCookieFor(stack: Stack, userId: string): Promise<string> {
  const storage = sessionStorage({ db: stack.db, config: stack.config });
  const session = await storage.getSession();
  session.set("userId", userId);
  const setCookie = await storage.commitSession(session);
  return setCookie.split(";")[0];
}

export async function apiKeysFor(stack: Stack, brandId: string, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++)
    keys.push((await createApiKey(stack.db, { brandId, name: `Bench key ${i + 1}` })).apiKey);
  return keys;
}

/**
 * `total` conversions spread over the affiliates (round robin) and over the last 365 days, in
 * chunks of 100,000 rows through generate_series. Mix: 60 % coupon / 30 % link / 10 % s2s;
 * ~5 % partially refunded, ~3 % refunded; usd and eur.
 */
export async function bulkConversions(
  stack: Stack,
  brandId: string,
  campaignId: string,
  affiliateIds: string[],
  total: number,
  progress: (done: number) => void,
): Promise<void> {
  // The temp table lives on one connection: do the whole load on one dedicated client.
  const client = await stack.pool.connect();
  try {
    await client.query("create temporary table bench_affs (n int primary key, id uuid not null)");
    await client.query(
      "insert into bench_affs (n, id) select (ord - 1)::int, id from unnest($1::uuid[]) with ordinality as t(id, ord)",
      [affiliateIds],
    );
    const naff = affiliateIds.length;
    const chunk = 100_000;
    const spanSeconds = 365 * 86_400;
    for (let start = 0; start < total; start += chunk) {
      const end = Math.min(total, start + chunk);
      await client.query(
        `insert into conversions (brand_id, campaign_id, affiliate_id, attribution_method, coupon_code, amount, currency,
           commission_amount, refunded_amount, status, stripe_customer_id, stripe_invoice_id, external_id, decision, terms,
           redemption_counted, period_start, occurred_at, created_at, updated_at)
         select $1::uuid, $2::uuid, a.id,
           m.method,
           case when m.method = 'coupon' then 'BENCH' || (g % $4) else null end,
           amt, cur,
           (amt * 20 / 100) - case when st = 'refunded' then amt * 20 / 100 when st = 'partially_refunded' then amt * 10 / 100 else 0 end,
           case when st = 'refunded' then amt when st = 'partially_refunded' then amt / 2 else 0 end,
           st,
           case when m.method <> 's2s' then 'cus_bench' || g end,
           case when m.method <> 's2s' then 'in_bench' || g end,
           case when m.method = 's2s' then 'ext_bench' || g end,
           '{"rule":"bench","candidates":[]}'::jsonb, null, m.method = 'coupon',
           ts, ts, ts, ts
         from generate_series($5::int, $6::int) as g
         cross join lateral (select
             case when g % 10 < 6 then 'coupon' when g % 10 < 9 then 'link' else 's2s' end as method,
             (1000 + (g::bigint * 7919) % 49000)::bigint as amt,
             case when g % 5 = 0 then 'eur' else 'usd' end as cur,
             case when g % 33 = 0 then 'refunded' when g % 20 = 0 then 'partially_refunded' else 'approved' end as st,
             now() - make_interval(secs => ($3::float8 * ($7::int - g)) / $7::int) as ts) as m(method, amt, cur, st, ts)
         join bench_affs a on a.n = g % $4`,
        [brandId, campaignId, spanSeconds, naff, start, end - 1, total],
      );
      progress(end);
    }
    await client.query("drop table bench_affs");
  } finally {
    client.release();
  }
  await sql`analyze conversions`.execute(stack.db);
}
