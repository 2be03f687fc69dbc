import { timingSafeEqual } from "node:crypto";
import { readCsrfCookie } from "./csrf.server";

/**
 * CSRF for session-auth JSON resource routes (`/api/campaigns/...`, `/api/affiliates/...`):
 * the same double-submit token as forms, sent in the `X-CSRF-Token` header (the page's root loader
 * exposes it as `csrfToken`). A cross-site page can neither read the cookie nor set the header.
 */
export const CSRF_HEADER = "X-CSRF-Token";

export function csrfHeaderValid(request: Request): boolean {
  const cookie = readCsrfCookie(request.headers.get("Cookie"));
  const header = request.headers.get(CSRF_HEADER);
  if (!cookie || !header) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}
