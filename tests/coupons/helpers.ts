import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { createBrandWithOwner } from "../../app/services/accounts/accounts.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { connectStripe } from "../../app/services/stripe-account/stripe-connection.server";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { type CookieJar, settle, testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { signIn } from "../portal/fixtures";

export interface CouponWorld {
  t: TestDatabase;
  emu: StripeEmulator;
  ctx: AppContext;
  deps: { config: AppContext["config"] };
  sdk(key: string): Stripe;
  close(): Promise<void>;
}

/** A fresh database and an emulator the app's Stripe client factory points at. */
export async function startWorld(
  opts: { appUrl?: string; deliver?: boolean } = {},
): Promise<CouponWorld> {
  const t = await createTestDatabase();
  const emu = await startStripeEmulator({ port: 0, deliver: opts.deliver ?? false });
  const ctx = testContext(t.db, {
    config: testConfig({
      STRIPE_API_BASE: emu.url,
      APP_URL: opts.appUrl ?? "http://localhost:3000",
    }),
  });
  return {
    t,
    emu,
    ctx,
    deps: { config: ctx.config },
    sdk: (key) => new Stripe(key, { ...emu.stripeOptions }),
    async close() {
      await emu.close();
      await t.drop();
    },
  };
}

export interface BrandSetup {
  brandId: string;
  ownerId: string;
  jar: CookieJar;
  key: string;
  campaignId: string;
}

/** A brand on `plan` with a signed-in owner, connected to the emulator, with one campaign. */
export async function brandSetup(
  w: CouponWorld,
  opts: {
    name?: string;
    plan?: "starter" | "growth" | "scale";
    key?: string;
    connect?: boolean;
  } = {},
): Promise<BrandSetup> {
  const name = opts.name ?? "Acme";
  const created = await createBrandWithOwner(w.t.db, {
    brandName: name,
    ownerName: `${name} Owner`,
    email: `owner-${randomUUID()}@brand.test`,
    password: "correct-horse-battery",
    plan: opts.plan ?? "growth",
  });
  const key = opts.key ?? `rk_test_${randomUUID().replace(/-/g, "")}`;
  if (opts.connect !== false) {
    const result = await connectStripe(w.t.db, w.ctx.config, created.brandId, key);
    if (!result.ok) throw new Error(result.message);
  }
  const campaign = await createCampaign(w.t.db, created.brandId, {
    name: `${name} Partners`,
    destinationUrl: "https://acme.example.com",
    commission: { type: "percent", bps: 2000 },
    recurringMonths: 12,
    subAffiliateOverrideBps: 0,
    cookieWindowDays: 30,
    autoApprove: true,
  });
  const jar = await signIn(w.t.db, created.userId);
  return { brandId: created.brandId, ownerId: created.userId, jar, key, campaignId: campaign.id };
}

/** An affiliate who joined the campaign (approved when the campaign auto-approves), signed in. */
export async function affiliateJoins(
  db: DB,
  campaignId: string,
  name: string,
): Promise<{ affiliateId: string; userId: string; jar: CookieJar }> {
  const campaign = await db
    .selectFrom("campaigns")
    .select("slug")
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const joined = await joinCampaign(db, testConfig(), {
    slug: campaign.slug,
    name,
    email: `${name.toLowerCase().replace(/\W+/g, ".")}-${randomUUID().slice(0, 8)}@affiliates.test`,
    password: "correct-horse-battery",
  });
  if (!joined.ok || joined.outcome !== "joined") throw new Error("join failed");
  return {
    affiliateId: joined.affiliate.id,
    userId: joined.userId,
    jar: await signIn(db, joined.userId),
  };
}

export async function expireTrial(db: DB, brandId: string): Promise<void> {
  await db
    .updateTable("brands")
    .set({ plan: "starter", trial_ends_at: new Date(Date.now() - 86_400_000) })
    .where("id", "=", brandId)
    .execute();
}

/** What a loader/action produced, normalised: status, location, JSON-ish body. */
export interface Outcome {
  status: number;
  location: string | null;
  body: unknown;
  response: Response | null;
}

type RouteFn = (args: never) => unknown;

export async function call(
  fn: RouteFn,
  ctx: AppContext,
  request: Request,
  params: Record<string, string> = {},
): Promise<Outcome> {
  const result = await settle(
    Promise.resolve(
      (
        fn as (a: {
          request: Request;
          params: Record<string, string>;
          context: AppContext;
        }) => unknown
      )({
        request,
        params,
        context: ctx,
      }),
    ),
  );
  if (result instanceof Response) {
    const text = await result.clone().text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text
    }
    return {
      status: result.status,
      location: result.headers.get("Location"),
      body,
      response: result,
    };
  }
  if (
    result &&
    typeof result === "object" &&
    (result as { type?: string }).type === "DataWithResponseInit"
  ) {
    const d = result as { data: unknown; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, location: null, body: d.data, response: null };
  }
  if (result instanceof Error) throw result;
  return { status: 200, location: null, body: result, response: null };
}

export function inFuture(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}
