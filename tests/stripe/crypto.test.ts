import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DecryptionError, decryptSecret, encryptSecret } from "../../app/lib/crypto.server";

const key = randomBytes(32);

describe("encryptSecret / decryptSecret (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const secret = "rk_test_51AbcdefGhijklmnop";
    const stored = encryptSecret(key, secret, "ctx");
    expect(stored.startsWith("v1:")).toBe(true);
    expect(stored).not.toContain(secret);
    expect(decryptSecret(key, stored, "ctx")).toBe(secret);
  });

  it("uses a fresh IV each time", () => {
    const a = encryptSecret(key, "same");
    const b = encryptSecret(key, "same");
    expect(a).not.toBe(b);
    const iv = (s: string) => Buffer.from(s.slice(3), "base64").subarray(0, 12).toString("hex");
    expect(iv(a)).not.toBe(iv(b));
    expect(decryptSecret(key, a)).toBe("same");
    expect(decryptSecret(key, b)).toBe("same");
  });

  it("round-trips unicode and empty strings", () => {
    expect(decryptSecret(key, encryptSecret(key, ""))).toBe("");
    expect(decryptSecret(key, encryptSecret(key, "whsec_ünï©ødé✓"))).toBe("whsec_ünï©ødé✓");
  });

  it("detects tampering with ciphertext, tag or IV", () => {
    const stored = encryptSecret(key, "whsec_secret_value");
    const raw = Buffer.from(stored.slice(3), "base64");
    for (const index of [0, 12, 28, raw.length - 1]) {
      const copy = Buffer.from(raw);
      copy[index] ^= 0x01;
      expect(() => decryptSecret(key, "v1:" + copy.toString("base64"))).toThrow(DecryptionError);
    }
    expect(() => decryptSecret(key, "v1:" + raw.subarray(0, 20).toString("base64"))).toThrow(
      DecryptionError,
    );
  });

  it("fails with the wrong key, the wrong context or an unknown format", () => {
    const stored = encryptSecret(key, "secret", "stripe_connections:brand-a:secret_key");
    expect(() =>
      decryptSecret(randomBytes(32), stored, "stripe_connections:brand-a:secret_key"),
    ).toThrow(DecryptionError);
    expect(() => decryptSecret(key, stored, "stripe_connections:brand-b:secret_key")).toThrow(
      DecryptionError,
    );
    expect(() => decryptSecret(key, stored)).toThrow(DecryptionError);
    expect(() => decryptSecret(key, "v2:" + stored.slice(3))).toThrow(DecryptionError);
    expect(() => decryptSecret(key, "plaintext")).toThrow(DecryptionError);
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => encryptSecret(randomBytes(16), "x")).toThrow(/32 bytes/);
  });
});
