/**
 * Referral link visits (`/r/{code}`): resolve the code, decide (app/domain/click.ts), record the
 * click.
 *
 * Hot path (issue 9): the code -> link lookup is cached per process (see LinkCache: approved links
 * and unknown codes, a few seconds, bounded), and a counted click is ONE statement that inserts the
 * click only if the cached facts still hold in the database (enrollment with that code, affiliate
 * approved, same destination and cookie window), written together with the other clicks that
 * arrived meanwhile (group commit, app/db/group-commit.server.ts). The visitor gets the click id
 * only after that statement committed. If the facts changed, the entry is dropped and the visit is
 * decided again from a fresh read, so a counted click never uses stale data; only uncounted visits
 * (HEAD, bots) of an approved link can see a cached entry up to LINK_CACHE_TTL_MS old.
 */
import { createHmac, randomUUID } from "node:crypto";
import { sql } from "kysely";
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
import { GroupCommitWriter, writerPerKey } from "~/db/group-commit.server";

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

/** A click to insert: the visit plus the link facts the decision was made on. */
interface ClickWrite {
  id: string;
  code: string;
  link: ResolvedLink;
  referrer: string | null;
  userAgent: string | null;
  ipHash: string | null;
}

/**
 * Insert many clicks in one statement. A click is inserted only when its enrollment still has this
 * code, its affiliate is still approved and its campaign still has the destination and cookie
 * window the redirect was built from; returns, per click, whether it was inserted.
 */
async function insertClicks(db: DB, clicks: ClickWrite[]): Promise<boolean[]> {
  const col = <T>(f: (c: ClickWrite) => T) => clicks.map(f);
  // PL/pgSQL (migrations/0011_hot_path_writes.ts) so the statement's plan is cached per connection.
  const { rows } = await sql<{ id: string }>`
    select id from rekomi_insert_clicks(
      ${col((c) => c.id)}::uuid[], ${col((c) => c.link.enrollmentId)}::uuid[], ${col((c) => c.code)}::text[],
      ${col((c) => c.link.brandId)}::uuid[], ${col((c) => c.link.campaignId)}::uuid[], ${col((c) => c.link.affiliateId)}::uuid[],
      ${col((c) => c.link.destinationUrl)}::text[], ${col((c) => c.link.cookieWindowDays)}::int[],
      ${col((c) => c.referrer)}::text[], ${col((c) => c.userAgent)}::text[], ${col((c) => c.ipHash)}::text[]
    ) as id`.execute(db);
  const inserted = new Set(rows.map((r) => r.id));
  return clicks.map((c) => inserted.has(c.id));
}

const clickWriter = writerPerKey(
  (db: DB) =>
    new GroupCommitWriter<ClickWrite, boolean>((batch) => insertClicks(db, batch), {
      maxBatch: 500,
    }),
);

/** Group-commit statistics of this process's click writer for `db` (tests, diagnostics). */
export function clickWriterStats(db: DB) {
  return clickWriter(db).stats;
}

/**
 * Record one click for the link; its id (the `rk_ref` value) once the row is committed, or null when
 * the link no longer matches the database (then nothing was written).
 */
export async function recordClick(
  db: DB,
  deps: { ipSalt: string },
  code: string,
  link: ResolvedLink,
  visit: ClickVisit,
): Promise<string | null> {
  const id = randomUUID();
  const inserted = await clickWriter(db).write({
    id,
    code,
    link,
    referrer: truncateHeader(visit.referrer, REFERRER_MAX),
    userAgent: truncateHeader(visit.userAgent, USER_AGENT_MAX),
    ipHash: hashIp(visit.ip, deps.ipSalt),
  });
  return inserted ? id : null;
}

/** How long a resolved link (approved affiliate) or an unknown code is reused without a query. */
export const LINK_CACHE_TTL_MS = 5_000;
const LINK_CACHE_MAX = 10_000;

/**
 * Per-process cache of code -> link, per database handle. Holds only approved links and unknown
 * codes (pending, rejected and suspended links are always read fresh, so an approval or a
 * reinstatement takes effect at once). Entries expire after LINK_CACHE_TTL_MS; at most
 * LINK_CACHE_MAX entries (the oldest is dropped first), so scanning random codes cannot grow it.
 */
export class LinkCache {
  private entries = new Map<string, { link: ResolvedLink | undefined; expires: number }>();

  constructor(
    private readonly max = LINK_CACHE_MAX,
    private readonly ttlMs = LINK_CACHE_TTL_MS,
  ) {}

  get(code: string, now: number): { link: ResolvedLink | undefined } | undefined {
    const hit = this.entries.get(code);
    if (!hit) return undefined;
    if (hit.expires <= now) {
      this.entries.delete(code);
      return undefined;
    }
    return hit;
  }

  set(code: string, link: ResolvedLink | undefined, now: number): void {
    if (link && link.affiliateStatus !== "approved") {
      this.entries.delete(code);
      return;
    }
    this.entries.delete(code);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(code, { link, expires: now + this.ttlMs });
  }

  delete(code: string): void {
    this.entries.delete(code);
  }

  get size(): number {
    return this.entries.size;
  }
}

const linkCaches = new WeakMap<DB, LinkCache>();
function linkCache(db: DB): LinkCache {
  let cache = linkCaches.get(db);
  if (!cache) {
    cache = new LinkCache();
    linkCaches.set(db, cache);
  }
  return cache;
}

/** The link behind a code: from the cache, or read (and cached) when absent or `fresh`. */
async function lookupLink(db: DB, code: string, fresh: boolean): Promise<ResolvedLink | undefined> {
  const cache = linkCache(db);
  if (!fresh) {
    const hit = cache.get(code, Date.now());
    if (hit) return hit.link;
  }
  const link = await resolveLinkCode(db, code);
  cache.set(code, link, Date.now());
  return link;
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
  if (!isLinkCode(input.code)) return { kind: "not_found" };
  // First from the cache; if the click insert finds the cached facts outdated, once more fresh.
  for (const fresh of [false, true]) {
    const link = await lookupLink(db, input.code, fresh);
    if (!link) return { kind: "not_found" };
    const outcome = linkOutcome({
      affiliateStatus: link.affiliateStatus,
      method: input.method,
      userAgent: input.userAgent,
    });
    if (outcome === "not_found") return { kind: "not_found" };
    // Validate before recording, so a bad destination neither redirects nor counts.
    if (destinationWithClick(link.destinationUrl, null) === null) return { kind: "not_found" };
    let clickId: string | null = null;
    if (outcome === "redirect_and_record") {
      clickId = await recordClick(db, deps, input.code, link, input);
      if (clickId === null) {
        linkCache(db).delete(input.code);
        continue;
      }
    }
    const location = destinationWithClick(link.destinationUrl, clickId)!;
    return { kind: "redirect", location, clickId, cookieWindowDays: link.cookieWindowDays };
  }
  // The link changed between a fresh read and the insert (a concurrent edit): treat as inactive.
  return { kind: "not_found" };
}
