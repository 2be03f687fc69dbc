/**
 * Readable random codes for referral links (`/r/{code}`) and recruit links. Crockford-style base32
 * in lowercase: digits and letters without i, l, o, u, so codes survive being read aloud or
 * retyped. Pure: the caller supplies the random bytes.
 */
export const READABLE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
export const LINK_CODE_LENGTH = 8;

/** One character per byte (low 5 bits), so 8 bytes -> 8 characters = 40 bits of entropy. */
export function encodeReadableCode(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += READABLE_ALPHABET[byte & 31];
  return out;
}

export function isReadableCode(code: string, length = LINK_CODE_LENGTH): boolean {
  return code.length === length && [...code].every((ch) => READABLE_ALPHABET.includes(ch));
}
