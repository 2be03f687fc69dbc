import { createCookie } from "@remix-run/node";
import type { Config } from "~/config.server";
import {
  CSRF_COOKIE,
  csrfCookieName,
  csrfSetCookie,
  csrfTokenFitsSession,
  mintCsrfToken,
  readCsrfCookie,
} from "./csrf.server";
import { sessionCookieName } from "./session.server";

/**
 * The CSRF token of one browser request, bound to its session (issue 15). server.ts runs this for
 * every page and form request:
 * - the token the browser presents (under `__Host-rekomi_csrf` on https) is kept only when its MAC
 *   matches the current session id (`""` when signed out);
 * - otherwise, e.g. right after sign-in or a planted cookie, a new one is minted and set;
 * - the request's Cookie header is rewritten to carry exactly that token under CSRF_COOKIE, which
 *   is all `requireCsrfForm` and the X-CSRF-Token check compare against.
 */
export interface CsrfResolution {
  token: string;
  /** A Set-Cookie line when the browser needs a new token. */
  setCookie: string | null;
  /** The Cookie header the app should see. */
  cookieHeader: string;
}

export function csrfResolver(config: Pick<Config, "secureCookies" | "sessionSecret">) {
  const sessionCookie = createCookie(sessionCookieName(config.secureCookies), {
    secrets: [config.sessionSecret],
  });
  const browserName = csrfCookieName(config.secureCookies);

  return async function resolve(cookieHeader: string | undefined): Promise<CsrfResolution> {
    const parsed: unknown = await sessionCookie.parse(cookieHeader ?? null).catch(() => null);
    const sessionId = typeof parsed === "string" ? parsed : "";
    const presented = readCsrfCookie(cookieHeader, browserName);
    const fits =
      presented !== undefined && csrfTokenFitsSession(presented, sessionId, config.sessionSecret);
    const token = fits ? presented : mintCsrfToken(sessionId, config.sessionSecret);
    const others = (cookieHeader ?? "")
      .split(";")
      .map((part) => part.trim())
      .filter((part) => part && !isCsrfCookie(part));
    return {
      token,
      setCookie: fits ? null : csrfSetCookie(token, config.secureCookies),
      cookieHeader: [...others, `${CSRF_COOKIE}=${token}`].join("; "),
    };
  };
}

function isCsrfCookie(pair: string): boolean {
  const name = pair.slice(0, pair.indexOf("=") === -1 ? pair.length : pair.indexOf("="));
  return name === CSRF_COOKIE || name === csrfCookieName(true);
}
