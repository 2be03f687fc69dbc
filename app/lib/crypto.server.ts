import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets at rest (Stripe keys, webhook signing secrets): AES-256-GCM with `ENCRYPTION_KEY`.
 *
 * Format: `v1:` + base64(iv[12] | tag[16] | ciphertext). A fresh random IV per encryption; the tag
 * makes any change to the stored value (or the wrong key) fail loudly instead of decrypting to
 * garbage. The optional `context` is bound in as additional authenticated data, so a ciphertext
 * copied to another row or column (e.g. another brand's) does not decrypt there.
 */
const VERSION = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(
    message = "Stored secret could not be decrypted (wrong ENCRYPTION_KEY or tampered value)",
  ) {
    super(message);
    this.name = "DecryptionError";
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error("Encryption key must be 32 bytes");
}

export function encryptSecret(key: Buffer, plaintext: string, context?: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (context !== undefined) cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return VERSION + Buffer.concat([iv, tag, ciphertext]).toString("base64");
}

export function decryptSecret(key: Buffer, stored: string, context?: string): string {
  checkKey(key);
  if (!stored.startsWith(VERSION)) throw new DecryptionError("Unknown secret format");
  const raw = Buffer.from(stored.slice(VERSION.length), "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptionError();
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ciphertext = raw.subarray(IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    if (context !== undefined) decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError();
  }
}
