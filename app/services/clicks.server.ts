/**
 * Referral link visits (`/r/{code}`): resolve the code, decide (app/domain/click.ts), record the
 * click. The hot path is one indexed SELECT (code -> enrollment, affiliate status, campaign
 * destination and cookie window) plus, for a counted click, one INSERT.
 */
import { createHmac, randomUUID } from "node:crypto";
import type { DB } from "~/db/db.server";
import type { AffiliateStatus } from "~/db/schema";
import {
  destinationWithClick,
  isLinkCode,
  linkOutcome,
  REFERRER_MAX,
  truncateHeader,
  USER_AGENT_MAX,
} from "~/domain/click";

export interface ResolvedLink {
  enrollmentId: string;
  brandId: string;
  campaignId: string;
  affiliateId: string;
  affiliateStatus: AffiliateStatus;
  destinationUrl: string;
  cookieWindowDays: number;
}

/** The enrollment behind a link code with what a redirect needs, in one query; undefined if unknown. */
export async function resolveLinkCode(db: DB, code: string): Promise<ResolvedLink | undefined> {
  if (!isLinkCode(code)) return undefined;
  const row = await db
    .selectFrom("enrollments")
    .innerJoin("campaigns", (j) =>
      j
        .onRef("campaigns.id", "=", "enrollments.campaign_id")
        .onRef("campaigns.brand_id", "=", "enrollments.brand_id"),
    )
    .innerJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "enrollments.affiliate_id")
        .onRef("affiliates.brand_id", "=", "enrollments.brand_id"),
    )
    .select([
      "enrollments.id as enrollmentId",
      "enrollments.brand_id as brandId",
      "enrollments.campaign_id as campaignId",
      "enrollments.affiliate_id as affiliateId",
      "affiliates.status as affiliateStatus",
      "campaigns.destination_url as destinationUrl",
      "campaigns.cookie_window_days as cookieWindowDays",
    ])
    .where("enrollments.link_code", "=", code)
    .executeTakeFirst();
  return row;
}

/** Salted (HMAC-SHA-256) hash of the visitor's IP; the address itself is never stored. */
export function hashIp(ip: string | null | undefined, salt: string): string | null {
  if (!ip || ip === "unknown") return null;
  return createHmac("sha256", salt).update(`rekomi-click-ip:${ip}`).digest("hex");
}

export interface ClickVisit {
  referrer: string | null;
  userAgent: string | null;
  ip: string | null;
}

/** Insert one click for the enrollment and return its id (the `rk_ref` value). */
export async function recordClick(
  db: DB,
  deps: { ipSalt: string },
  link: ResolvedLink,
  visit: ClickVisit,
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto("clicks")
    .values({
      id,
      brand_id: link.brandId,
      campaign_id: link.campaignId,
      affiliate_id: link.affiliateId,
      enrollment_id: link.enrollmentId,
      referrer: truncateHeader(visit.referrer, REFERRER_MAX),
      user_agent: truncateHeader(visit.userAgent, USER_AGENT_MAX),
      ip_hash: hashIp(visit.ip, deps.ipSalt),
    })
    .execute();
  return id;
}

export type FollowLinkResult =
  | { kind: "not_found" }
  | {
      kind: "redirect";
      location: string;
      /** Set when a click was recorded (then the route also sets the cookie). */
      clickId: string | null;
      cookieWindowDays: number;
    };

/**
 * A visit to `/r/{code}`. Unknown codes, inactive affiliates (rejected/suspended) and destinations
 * that are not http(s) are "not_found"; otherwise a redirect to the campaign's destination, with a
 * recorded click (GET, not a bot, approved affiliate) or without one.
 */
export async function followReferralLink(
  db: DB,
  deps: { ipSalt: string },
  input: { code: string; method: string } & ClickVisit,
): Promise<FollowLinkResult> {
  const link = await resolveLinkCode(db, input.code);
  if (!link) return { kind: "not_found" };
  const outcome = linkOutcome({
    affiliateStatus: link.affiliateStatus,
    method: input.method,
    userAgent: input.userAgent,
  });
  if (outcome === "not_found") return { kind: "not_found" };
  // Validate before recording, so a bad destination neither redirects nor counts.
  if (destinationWithClick(link.destinationUrl, null) === null) return { kind: "not_found" };
  const clickId =
    outcome === "redirect_and_record" ? await recordClick(db, deps, link, input) : null;
  const location = destinationWithClick(link.destinationUrl, clickId)!;
  return { kind: "redirect", location, clickId, cookieWindowDays: link.cookieWindowDays };
}
