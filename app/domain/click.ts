/**
 * Referral link rules (`/r/{code}`): which visits count as clicks, where the visitor is sent, and
 * the first-party cookie that carries the click id. Pure: no I/O (the route and
 * app/services/attribution/clicks.server.ts do the reading and writing).
 */
import { isbot } from "isbot";
import type { AffiliateStatus } from "~/db/schema";
import { isReadableCode, LINK_CODE_LENGTH } from "./codes";

/** Query parameter added to the destination URL; rekomi.js reads it on the brand's site. */
export const CLICK_PARAM = "rk_ref";
/** First-party cookie holding the click id (on Rekomi's host here; rekomi.js sets the brand's own). */
export const CLICK_COOKIE = "rekomi_ref";
export const REFERRER_MAX = 1000;
export const USER_AGENT_MAX = 512;
const DAY_SECONDS = 86_400;

/** True when the string is shaped like a link code (anything else is unknown without a query). */
export function isLinkCode(code: string | undefined): code is string {
  return typeof code === "string" && isReadableCode(code, LINK_CODE_LENGTH);
}

/** Known crawlers, link-preview fetchers and HTTP libraries (per `isbot`). No UA is not a bot. */
export function isBotUserAgent(userAgent: string | null | undefined): boolean {
  return Boolean(userAgent) && isbot(userAgent);
}

/**
 * What `/r/{code}` does for an enrollment whose affiliate has this status:
 * - approved  -> redirect, and record a click + set the cookie (unless HEAD or a bot);
 * - pending   -> redirect without recording: the link may already be shared while the brand
 *                reviews the application, visitors must still reach the brand, but it earns
 *                nothing until approval (the portal says so);
 * - rejected / suspended -> the link is inactive: 404, like an unknown code.
 */
export type LinkOutcome = "not_found" | "redirect" | "redirect_and_record";

export function linkOutcome(input: {
  affiliateStatus: AffiliateStatus;
  method: string;
  userAgent: string | null | undefined;
}): LinkOutcome {
  if (input.affiliateStatus === "rejected" || input.affiliateStatus === "suspended") {
    return "not_found";
  }
  if (input.affiliateStatus !== "approved") return "redirect";
  if (input.method.toUpperCase() !== "GET") return "redirect";
  if (isBotUserAgent(input.userAgent)) return "redirect";
  return "redirect_and_record";
}

/** The URL when it is an absolute http(s) URL, else null (never redirect anywhere else). */
export function parseHttpUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url : null;
}

/**
 * The campaign's destination with `rk_ref={clickId}` appended. The existing query string and
 * fragment are kept byte for byte (an earlier `rk_ref` is replaced). Without a click id (pending
 * affiliate, HEAD, bot) the destination is returned unchanged. Null when the destination is not an
 * http(s) URL.
 */
export function destinationWithClick(destination: string, clickId: string | null): string | null {
  const url = parseHttpUrl(destination);
  if (!url) return null;
  if (!clickId) return url.href;
  const hash = url.hash;
  const kept = url.search
    .replace(/^\?/, "")
    .split("&")
    .filter((part) => part !== "" && paramName(part) !== CLICK_PARAM);
  kept.push(`${CLICK_PARAM}=${encodeURIComponent(clickId)}`);
  url.search = "";
  url.hash = "";
  return `${url.href}?${kept.join("&")}${hash}`;
}

function paramName(part: string): string {
  const raw = part.split("=")[0].replace(/\+/g, " ");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** `Set-Cookie` value for the click cookie: HttpOnly, SameSite=Lax, the campaign's window. */
export function clickCookie(
  clickId: string,
  opts: { cookieWindowDays: number; secure: boolean },
): string {
  const days = Math.max(1, Math.floor(opts.cookieWindowDays));
  const parts = [
    `${CLICK_COOKIE}=${encodeURIComponent(clickId)}`,
    `Max-Age=${days * DAY_SECONDS}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}

/** Trim a header value for storage; empty -> null. Cuts on a code point boundary. */
export function truncateHeader(value: string | null | undefined, max: number): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const chars = Array.from(trimmed);
  return chars.length <= max ? trimmed : chars.slice(0, max).join("");
}
