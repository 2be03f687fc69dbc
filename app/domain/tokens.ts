/**
 * Emailed single-use links (pure): how long each kind lives, and how a token is hashed for storage.
 * The raw token only ever exists in the email; the database keeps its SHA-256.
 */
import { createHash } from "node:crypto";
import type { TokenPurpose } from "~/db/schema";

const HOUR_MS = 3_600_000;

export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * HOUR_MS,
  change_email: 24 * HOUR_MS,
  reset_password: 1 * HOUR_MS,
  affiliate_invite: 14 * 24 * HOUR_MS,
  team_invite: 7 * 24 * HOUR_MS,
};

/** Tokens are 32 random bytes, base64url (43 characters). */
export function isTokenShaped(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function tokenExpiresAt(purpose: TokenPurpose, now: Date): Date {
  return new Date(now.getTime() + TOKEN_LIFETIME_MS[purpose]);
}

/** The path of the page that consumes a token of this purpose. */
export function tokenPath(purpose: TokenPurpose, token: string): string {
  switch (purpose) {
    case "verify_email":
    case "change_email":
      return `/verify-email/${token}`;
    case "reset_password":
      return `/reset-password/${token}`;
    case "affiliate_invite":
    case "team_invite":
      return `/invite/${token}`;
  }
}
