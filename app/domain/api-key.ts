import { createHash, timingSafeEqual } from "node:crypto";

/**
 * API key format and hashing rules (pure; no I/O).
 *
 * A key is `rk_live_` followed by the base62 encoding of 32 random bytes (43 characters, since
 * 62^43 > 2^256). Only its SHA-256 hex digest is stored; the first 12 characters are kept as a
 * display prefix so brands can tell their keys apart.
 */
export const API_KEY_PREFIX = "rk_live_";
export const API_KEY_RANDOM_BYTES = 32;
export const API_KEY_BODY_LENGTH = 43;
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_BODY_LENGTH}}$`);

/** Base62 of an unsigned big-endian integer, left-padded with "0" to `minLength`. */
export function base62Encode(bytes: Uint8Array, minLength = 0): string {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(minLength, "0");
}

/** Build a key from 32 random bytes (the caller supplies the randomness). */
export function formatApiKey(randomBytes: Uint8Array): string {
  if (randomBytes.length !== API_KEY_RANDOM_BYTES) {
    throw new Error(`An API key needs exactly ${API_KEY_RANDOM_BYTES} random bytes`);
  }
  return API_KEY_PREFIX + base62Encode(randomBytes, API_KEY_BODY_LENGTH);
}

/** Cheap shape check before any database lookup. */
export function isWellFormedApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function apiKeyDisplayPrefix(apiKey: string): string {
  return apiKey.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}

/** SHA-256 hex digest: what is stored and looked up. */
export function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests. */
export function apiKeyHashesMatch(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
