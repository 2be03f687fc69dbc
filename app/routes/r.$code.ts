/**
 * Referral link `/r/{code}` (resource route; the loader answers GET and HEAD).
 * Known code -> 302 to the campaign's destination with `rk_ref={clickId}`, and the `rekomi_ref`
 * cookie when a click was recorded. Unknown or inactive -> a plain 404 page, no cookie.
 * The destination only ever comes from the campaign row: no open redirect.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { clickCookie } from "~/domain/click";
import { followReferralLink } from "~/services/clicks.server";

const NOT_FOUND_HTML = `<!doctype html>
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

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const result = await followReferralLink(
    context.db,
    { ipSalt: context.config.sessionSecret },
    {
      code: params.code ?? "",
      method: request.method,
      userAgent: request.headers.get("User-Agent"),
      referrer: request.headers.get("Referer"),
      ip: context.clientIp,
    },
  );
  if (result.kind === "not_found") {
    return new Response(NOT_FOUND_HTML, {
      status: 404,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Robots-Tag": "noindex",
      },
    });
  }
  const headers = new Headers({
    Location: result.location,
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
  });
  if (result.clickId) {
    headers.append(
      "Set-Cookie",
      clickCookie(result.clickId, {
        cookieWindowDays: result.cookieWindowDays,
        secure: context.config.secureCookies,
      }),
    );
  }
  return new Response(null, { status: 302, headers });
}
