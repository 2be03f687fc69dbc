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

// ---------------------------------------------------------------------------------------------
// Recruit review (issue 15): a recruit that looks like its own parent is a sock puppet until the
// brand says otherwise. It stays pending, is flagged on the approval screen, and its sales pay
// the parent no override.

export const RECRUIT_FLAGS = ["same_email", "same_email_domain", "same_signup_ip"] as const;
export type RecruitFlag = (typeof RECRUIT_FLAGS)[number];

/** Mail providers anyone can sign up at: sharing one says nothing about who someone is. */
const PUBLIC_MAIL_DOMAINS = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "ymail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "pm.me",
  "gmx.com",
  "gmx.net",
  "gmx.de",
  "web.de",
  "mail.com",
  "yandex.com",
  "yandex.ru",
  "zoho.com",
  "fastmail.com",
  "hey.com",
  "tutanota.com",
]);

/** One mailbox however it is spelled: lower case, no `+tag`, and no dots at Gmail. */
export function mailboxOf(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return email.trim().toLowerCase();
  let local = email.slice(0, at).trim().toLowerCase();
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  local = local.split("+")[0] ?? local;
  if (domain === "gmail.com" || domain === "googlemail.com") local = local.replaceAll(".", "");
  return `${local}@${domain === "googlemail.com" ? "gmail.com" : domain}`;
}

export interface RecruitIdentity {
  email: string;
  signupIp: string | null;
}

/** What the recruit and its parent have in common, in RECRUIT_FLAGS order (empty: nothing). */
export function recruitFlags(parent: RecruitIdentity, recruit: RecruitIdentity): RecruitFlag[] {
  const flags: RecruitFlag[] = [];
  const a = mailboxOf(parent.email);
  const b = mailboxOf(recruit.email);
  if (a === b) flags.push("same_email");
  const domainA = a.slice(a.lastIndexOf("@") + 1);
  const domainB = b.slice(b.lastIndexOf("@") + 1);
  if (a !== b && domainA === domainB && !PUBLIC_MAIL_DOMAINS.has(domainA)) {
    flags.push("same_email_domain");
  }
  if (parent.signupIp && recruit.signupIp && parent.signupIp === recruit.signupIp) {
    flags.push("same_signup_ip");
  }
  return flags;
}

/**
 * The status of an affiliate who just joined through a recruiting link: pending unless the
 * campaign approves recruits automatically, and always pending when flagged.
 */
export function recruitStatus(opts: {
  autoApproveRecruits: boolean;
  flags: readonly string[];
}): "pending" | "approved" {
  return opts.autoApproveRecruits && opts.flags.length === 0 ? "approved" : "pending";
}

/** Whether the recruit's flags still stand (the brand has not confirmed two different people). */
export function flaggedAsSamePerson(child: {
  recruitFlags: readonly string[];
  recruitFlagsClearedAt: Date | null;
}): boolean {
  return child.recruitFlags.length > 0 && child.recruitFlagsClearedAt === null;
}

/**
 * The one rule for who earns a sub-affiliate override on a sale credited to `child`: its parent,
 * when that parent is approved, is not the child itself, and the child is not flagged as the
 * parent under another name. Nobody earns an override on their own sale.
 */
export function overrideEarner(
  child: { id: string; recruitFlags: readonly string[]; recruitFlagsClearedAt: Date | null },
  parent: { id: string | null; status: AffiliateStatus | null },
): string | null {
  if (!parent.id || parent.status !== "approved" || parent.id === child.id) return null;
  return flaggedAsSamePerson(child) ? null : parent.id;
}

/** Plain words for the approval screen. */
export function recruitFlagText(flag: RecruitFlag, parentName: string): string {
  switch (flag) {
    case "same_email":
      return `Same mailbox as ${parentName} (their recruiter), spelled differently.`;
    case "same_email_domain":
      return `Same company email domain as ${parentName} (their recruiter).`;
    case "same_signup_ip":
      return `Signed up from the same IP address as ${parentName} (their recruiter).`;
  }
}
