/**
 * `GET|HEAD /r/{code}`, as one implementation shared by the Remix route (app/routes/r.$code.ts)
 * and the hot-path listener in front of express (server.ts -> app/http/hot-paths.server.ts).
 * Known code -> 302 to the campaign's destination with `rk_ref={clickId}`, and the `rekomi_ref`
 * cookie when a click was recorded. Unknown or inactive -> a plain 404 page, no cookie.
 * The destination only ever comes from the campaign row: no open redirect.
 */
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { clickCookie } from "~/domain/click";
import { followReferralLink } from "~/services/attribution/clicks.server";
import { reply, type HttpReply } from "./reply.server";

export const LINK_NOT_FOUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Link not found · Rekomi</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#1f2937}</style>
</head>
<body>
<main>
<h1>This link is not active</h1>
<p>The referral link you followed does not exist or is no longer active. Check the link with the person who shared it.</p>
</main>
</body>
</html>
`;

export interface ReferralVisit {
  code: string;
  method: string;
  userAgent: string | null;
  referrer: string | null;
  ip: string;
}

/** The answer to one visit. Database errors propagate (the caller's error handling answers). */
export async function referralReply(
  db: DB,
  config: Pick<Config, "sessionSecret" | "secureCookies">,
  visit: ReferralVisit,
): Promise<HttpReply> {
  const result = await followReferralLink(db, { ipSalt: config.sessionSecret }, visit);
  if (result.kind === "not_found") {
    return reply(
      404,
      {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex",
      },
      LINK_NOT_FOUND_HTML,
    );
  }
  const headers: Record<string, string> = {
    Location: result.location,
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
  };
  if (result.clickId) {
    headers["Set-Cookie"] = clickCookie(result.clickId, {
      cookieWindowDays: result.cookieWindowDays,
      secure: config.secureCookies,
    });
  }
  return reply(302, headers, null);
}
