import { redirect } from "@remix-run/node";
import type { AppContext } from "~/context.server";
import type { Affiliate, Brand, User } from "~/db/schema";
import { getSession } from "./session.server";

type Ctx = Pick<AppContext, "db" | "config">;

export function notFound(message = "Not found"): Response {
  return new Response(message, { status: 404, statusText: "Not Found" });
}

/** The signed-in user, or null. */
export async function getUser(request: Request, ctx: Ctx): Promise<User | null> {
  const session = await getSession(request, ctx);
  const userId = session.get("userId");
  if (!userId) return null;
  const user = await ctx.db
    .selectFrom("users")
    .selectAll()
    .where("id", "=", userId)
    .executeTakeFirst();
  return user ?? null;
}

export async function requireUser(request: Request, ctx: Ctx): Promise<User> {
  const user = await getUser(request, ctx);
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return user;
}

export interface BrandUser {
  user: User;
  brand: Brand;
  role: "owner" | "member";
}

/**
 * Brand portal guard (`/app`). A signed-in affiliate is sent to `/a`; anyone else without a
 * brand membership gets a 404. Every brand query below must be scoped by `brand.id`.
 */
export async function requireBrandUser(request: Request, ctx: Ctx): Promise<BrandUser> {
  const user = await requireUser(request, ctx);
  const membership = await ctx.db
    .selectFrom("brand_members")
    .innerJoin("brands", "brands.id", "brand_members.brand_id")
    .selectAll("brands")
    .select("brand_members.role")
    .where("brand_members.user_id", "=", user.id)
    .orderBy("brand_members.created_at")
    .executeTakeFirst();
  if (!membership) {
    const isAffiliate = await ctx.db
      .selectFrom("affiliates")
      .select("id")
      .where("user_id", "=", user.id)
      .executeTakeFirst();
    if (isAffiliate) throw redirect("/a");
    throw notFound();
  }
  const { role, ...brand } = membership;
  return { user, brand, role };
}

export interface AffiliateUser {
  user: User;
  /** One row per brand the person is an affiliate of. */
  affiliates: Affiliate[];
}

/**
 * Affiliate portal guard (`/a`). Brand users are sent to `/app`. Anyone else signed in gets the
 * portal, with no rows until they join a campaign or accept an invitation (its empty state says so).
 */
export async function requireAffiliateUser(request: Request, ctx: Ctx): Promise<AffiliateUser> {
  const user = await requireUser(request, ctx);
  const affiliates = await ctx.db
    .selectFrom("affiliates")
    .selectAll()
    .where("user_id", "=", user.id)
    .orderBy("created_at")
    .execute();
  if (affiliates.length === 0) {
    const member = await ctx.db
      .selectFrom("brand_members")
      .select("brand_id")
      .where("user_id", "=", user.id)
      .executeTakeFirst();
    if (member) throw redirect("/app");
  }
  return { user, affiliates };
}

export function forbidden(message: string): Response {
  return new Response(message, {
    status: 403,
    statusText: "Forbidden",
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

export const OWNER_ONLY_MESSAGE =
  "Only the brand's owners can do this (billing and plan, the Stripe connection, API keys and the team). Ask an owner.";
export const VERIFY_FIRST_MESSAGE =
  "Confirm your email address first: open the link we emailed you, or send it again from the banner.";

/**
 * Owner-only brand actions: billing/plan, the Stripe connection, API keys, team changes.
 * `verified`: also require a verified address (connecting Stripe, creating API keys).
 */
export async function requireBrandOwner(
  request: Request,
  ctx: Ctx,
  opts: { verified?: boolean } = {},
): Promise<BrandUser> {
  const brandUser = await requireBrandUser(request, ctx);
  if (brandUser.role !== "owner") throw forbidden(OWNER_ONLY_MESSAGE);
  if (opts.verified && !brandUser.user.email_verified_at) throw forbidden(VERIFY_FIRST_MESSAGE);
  return brandUser;
}

/** Where a user lands after login. */
export async function homeFor(userId: string, ctx: Ctx): Promise<string> {
  const member = await ctx.db
    .selectFrom("brand_members")
    .select("brand_id")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return member ? "/app" : "/a";
}
