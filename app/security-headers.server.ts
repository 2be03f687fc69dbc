import type { RequestHandler } from "express";
import type { Config } from "./config.server";

/**
 * Security headers for every response (wired in server.ts: `app.use(securityHeaders(config))`).
 *
 * The Content-Security-Policy is the strictest the app works with (checked in Chromium by
 * tests/reliability/security-headers.test.ts): everything from our own origin only; no plugins,
 * no <base> hijacking, forms post only to us, nobody may frame us. Remix's classic compiler renders
 * inline bootstrap scripts (`window.__remixContext`, the module loader) whose content changes per
 * request, so scripts need 'unsafe-inline' (hashes cannot work and the default entry.server has no
 * nonce). Injected markup is still contained: it cannot load scripts, images, styles or fonts from
 * elsewhere, cannot send data anywhere but our origin (connect-src, form-action, img-src), and
 * every user-controlled field is rendered escaped by React (the XSS tests check that). eval stays
 * blocked: the only code that tries it is zod's JIT probe (`new Function("")` inside try/catch),
 * which then falls back to its interpreter (Chromium logs one refused-eval report per page).
 */
export function contentSecurityPolicy(devOrigin?: string): string {
  // Under `remix dev`, live reload talks to the dev server's websocket on another port.
  const dev = devOrigin ? " " + devOrigin + " " + devOrigin.replace(/^http/, "ws") : "";
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'" + dev,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(
  config: Pick<Config, "appUrl"> & { devOrigin?: string },
): RequestHandler {
  const csp = contentSecurityPolicy(config.devOrigin);
  const https = config.appUrl.startsWith("https://");
  return (_req, res, next) => {
    res.setHeader("Content-Security-Policy", csp);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (https) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    next();
  };
}
