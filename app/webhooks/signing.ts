import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of
 * the key bytes; the signature is `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
 * Several signatures (secret rotation) go space-separated in one `webhook-signature` header.
 */
export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(SECRET_PREFIX)) return false;
  const b64 = value.slice(SECRET_PREFIX.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, "base64").length >= 24;
}

/** The HMAC key: the base64-decoded part after `whsec_` (as the Standard Webhooks libraries do). */
export function secretKeyBytes(secret: string): Buffer {
  if (!isWebhookSecret(secret)) throw new Error("Not a whsec_ webhook secret");
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

export function signPayload(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac("sha256", secretKeyBytes(secret))
    .update(`${msgId}.${timestampSeconds}.${body}`, "utf8")
    .digest("base64");
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers for one attempt, signed with every active secret. */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  attemptAt: Date,
  body: string,
): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  if (secrets.length === 0) throw new Error("At least one secret is needed to sign");
  const timestamp = Math.floor(attemptAt.getTime() / 1000);
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signPayload(s, msgId, timestamp, body)).join(" "),
  };
}
