/**
 * Sub-affiliate recruiting links: `/join/{slug}?via={recruit_code}`. An affiliate who joins a
 * brand's program through one is recorded with `parent_affiliate_id` = the recruiter (one tier
 * stored; the override itself is computed at attribution time). Pure: no I/O.
 */
import type { AffiliateStatus } from "~/db/schema";
import { isReadableCode, LINK_CODE_LENGTH } from "./codes";

/** Query parameter (and hidden join-form field) carrying the recruiter's code. */
export const RECRUIT_PARAM = "via";

export function recruitingUrl(appUrl: string, campaignSlug: string, recruitCode: string): string {
  return `${appUrl.replace(/\/+$/, "")}/join/${campaignSlug}?${RECRUIT_PARAM}=${encodeURIComponent(recruitCode)}`;
}

/** The recruit code when the value is shaped like one, else undefined (ignored, never an error). */
export function parseRecruitCode(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const code = value.trim().toLowerCase();
  return isReadableCode(code, LINK_CODE_LENGTH) ? code : undefined;
}

export interface Recruiter {
  id: string;
  brandId: string;
  status: AffiliateStatus;
}

/**
 * The parent to record for an affiliate who joined through a recruiting link, or null:
 * only an approved recruiter of the same brand, never the affiliate itself, and only when the
 * affiliate row is new to the brand (an existing affiliate is never re-parented by a link).
 */
export function parentOnJoin(
  recruiter: Recruiter | undefined,
  joiner: { id: string; brandId: string; isNew: boolean; parentAffiliateId: string | null },
): string | null {
  if (!joiner.isNew || joiner.parentAffiliateId !== null) return null;
  if (!canRecruitFor(recruiter, joiner.brandId)) return null;
  if (recruiter.id === joiner.id) return null;
  return recruiter.id;
}

/** Whether a recruiting link of this affiliate is honoured for the brand's join page. */
export function canRecruitFor(
  recruiter: Recruiter | undefined,
  brandId: string,
): recruiter is Recruiter {
  return (
    recruiter !== undefined && recruiter.brandId === brandId && recruiter.status === "approved"
  );
}
