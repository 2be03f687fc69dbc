import { describe, expect, it } from "vitest";
import {
  clickCookie,
  destinationWithClick,
  isBotUserAgent,
  isLinkCode,
  linkOutcome,
  parseHttpUrl,
  truncateHeader,
} from "../../app/domain/click";
import {
  canRecruitFor,
  parentOnJoin,
  parseRecruitCode,
  recruitingUrl,
} from "../../app/domain/recruiting";
import { BROWSER_UA } from "./helpers";

const ID = "0b7c9a52-1f7e-4d1c-9a53-2f3c4d5e6f70";

describe("destinationWithClick", () => {
  it.each([
    ["https://a.example.com", `https://a.example.com/?rk_ref=${ID}`],
    ["https://a.example.com/", `https://a.example.com/?rk_ref=${ID}`],
    ["https://a.example.com/p?", `https://a.example.com/p?rk_ref=${ID}`],
    ["https://a.example.com/p?x=1", `https://a.example.com/p?x=1&rk_ref=${ID}`],
    ["https://a.example.com/p?x=a+b&y=%2F&z", `https://a.example.com/p?x=a+b&y=%2F&z&rk_ref=${ID}`],
    ["https://a.example.com/p#frag", `https://a.example.com/p?rk_ref=${ID}#frag`],
    ["https://a.example.com/p?x=1#f?g=2", `https://a.example.com/p?x=1&rk_ref=${ID}#f?g=2`],
    [
      "https://a.example.com/p?rk_ref=old&x=1&rk%5Fref=older",
      `https://a.example.com/p?x=1&rk_ref=${ID}`,
    ],
    ["http://localhost:8080/land?x=1", `http://localhost:8080/land?x=1&rk_ref=${ID}`],
  ])("%s -> %s", (dest, expected) => {
    expect(destinationWithClick(dest, ID)).toBe(expected);
  });

  it("returns the destination unchanged without a click id", () => {
    expect(destinationWithClick("https://a.example.com/p?x=1#f", null)).toBe(
      "https://a.example.com/p?x=1#f",
    );
  });

  it.each([
    "javascript:alert(1)",
    "data:text/html,hi",
    "ftp://files.example.com",
    "//evil.example.net",
    "/relative",
    "",
    "not a url",
  ])("refuses a non-http(s) destination: %s", (dest) => {
    expect(parseHttpUrl(dest)).toBeNull();
    expect(destinationWithClick(dest, ID)).toBeNull();
    expect(destinationWithClick(dest, null)).toBeNull();
  });
});

describe("clickCookie", () => {
  it("is HttpOnly, SameSite=Lax, Path=/, lasts the window, Secure only when asked", () => {
    expect(clickCookie(ID, { cookieWindowDays: 30, secure: false })).toBe(
      `rekomi_ref=${ID}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(clickCookie(ID, { cookieWindowDays: 1, secure: true })).toBe(
      `rekomi_ref=${ID}; Max-Age=86400; Path=/; HttpOnly; SameSite=Lax; Secure`,
    );
  });
});

describe("linkOutcome and bots", () => {
  it.each([
    ["approved", "GET", BROWSER_UA, "redirect_and_record"],
    ["approved", "get", BROWSER_UA, "redirect_and_record"],
    ["approved", "GET", null, "redirect_and_record"],
    ["approved", "HEAD", BROWSER_UA, "redirect"],
    ["approved", "GET", "Googlebot/2.1 (+http://www.google.com/bot.html)", "redirect"],
    ["pending", "GET", BROWSER_UA, "redirect"],
    ["rejected", "GET", BROWSER_UA, "not_found"],
    ["suspended", "HEAD", BROWSER_UA, "not_found"],
  ] as const)("%s %s %s -> %s", (affiliateStatus, method, userAgent, expected) => {
    expect(linkOutcome({ affiliateStatus, method, userAgent })).toBe(expected);
  });

  it("isBotUserAgent", () => {
    expect(isBotUserAgent(BROWSER_UA)).toBe(false);
    expect(isBotUserAgent(undefined)).toBe(false);
    expect(isBotUserAgent("")).toBe(false);
    expect(isBotUserAgent("LinkedInBot/1.0")).toBe(true);
  });

  it("isLinkCode accepts only readable 8-character codes", () => {
    expect(isLinkCode("ab12cd34")).toBe(true);
    expect(isLinkCode("AB12CD34")).toBe(false);
    expect(isLinkCode("ab12cd3")).toBe(false);
    expect(isLinkCode("ab12cd3i")).toBe(false);
    expect(isLinkCode(undefined)).toBe(false);
  });
});

describe("truncateHeader", () => {
  it("trims, maps empty to null and cuts on code points", () => {
    expect(truncateHeader(null, 5)).toBeNull();
    expect(truncateHeader("   ", 5)).toBeNull();
    expect(truncateHeader(" abc ", 5)).toBe("abc");
    expect(truncateHeader("abcdefgh", 5)).toBe("abcde");
    expect(truncateHeader("ab😀😀😀", 3)).toBe("ab😀");
  });
});

describe("recruiting rules", () => {
  const recruiter = { id: "r1", brandId: "b1", status: "approved" as const };
  const joiner = { id: "j1", brandId: "b1", isNew: true, parentAffiliateId: null };

  it("records an approved recruiter of the same brand for a new affiliate", () => {
    expect(parentOnJoin(recruiter, joiner)).toBe("r1");
  });
  it("never another brand's affiliate, never self, never a non-approved recruiter", () => {
    expect(parentOnJoin({ ...recruiter, brandId: "b2" }, joiner)).toBeNull();
    expect(parentOnJoin({ ...recruiter, id: "j1" }, joiner)).toBeNull();
    for (const status of ["pending", "rejected", "suspended"] as const) {
      expect(parentOnJoin({ ...recruiter, status }, joiner)).toBeNull();
    }
    expect(parentOnJoin(undefined, joiner)).toBeNull();
  });
  it("never re-parents an existing affiliate or replaces a parent", () => {
    expect(parentOnJoin(recruiter, { ...joiner, isNew: false })).toBeNull();
    expect(parentOnJoin(recruiter, { ...joiner, parentAffiliateId: "p0" })).toBeNull();
  });
  it("canRecruitFor, parseRecruitCode and recruitingUrl", () => {
    expect(canRecruitFor(recruiter, "b1")).toBe(true);
    expect(canRecruitFor(recruiter, "b2")).toBe(false);
    expect(parseRecruitCode(" AB12cd34 ")).toBe("ab12cd34");
    expect(parseRecruitCode("nope")).toBeUndefined();
    expect(parseRecruitCode(null)).toBeUndefined();
    expect(recruitingUrl("https://rekomi.example.com/", "acme-partners", "ab12cd34")).toBe(
      "https://rekomi.example.com/join/acme-partners?via=ab12cd34",
    );
  });
});
