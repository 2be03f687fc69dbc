/**
 * Reserved words for self-service codes (issue 15): an affiliate may not mint a code that contains
 * the brand's name, a coupon's name, another affiliate's name or another affiliate's generated code
 * (e.g. MARCO20 for Sarah). Pure: no I/O.
 */

/** Words shorter than this are too common to reserve (e.g. "AI", "GO"). */
export const MIN_RESERVED_LENGTH = 3;

export interface ReservedSources {
  brandName: string;
  couponNames: readonly string[];
  /** Names of the brand's other affiliates. */
  otherAffiliateNames: readonly string[];
  /** Codes of the brand's other affiliates that Rekomi generated or the brand gave them. */
  otherAffiliateCodes: readonly string[];
  /** The minting affiliate's own name: its words stay usable. */
  ownName: string;
}

/** "Zoë O'Brien" -> ["ZOE", "OBRIEN", "ZOEOBRIEN"]: the words and the whole name, A-Z/0-9 only. */
export function nameWords(name: string): string[] {
  const words = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .split(/[^A-Z0-9']+/)
    .map((w) => w.replace(/[^A-Z0-9]/g, ""))
    .filter(Boolean);
  const whole = words.join("");
  return [...new Set([...words, whole])].filter((w) => w.length >= MIN_RESERVED_LENGTH);
}

const squash = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, "");

export interface ReservedHit {
  word: string;
  source: "brand" | "coupon" | "affiliate" | "code";
}

/** The first reserved word the code contains (dashes and underscores ignored), or null. */
export function findReservedWord(code: string, s: ReservedSources): ReservedHit | null {
  const text = squash(code);
  const own = new Set(nameWords(s.ownName));
  const candidates: ReservedHit[] = [
    ...nameWords(s.brandName).map((word) => ({ word, source: "brand" as const })),
    ...s.couponNames.flatMap((n) =>
      nameWords(n).map((word) => ({ word, source: "coupon" as const })),
    ),
    ...s.otherAffiliateNames.flatMap((n) =>
      nameWords(n).map((word) => ({ word, source: "affiliate" as const })),
    ),
    ...s.otherAffiliateCodes.map((c) => ({ word: squash(c), source: "code" as const })),
  ];
  // Longest first, so the message names the most specific word.
  candidates.sort((a, b) => b.word.length - a.word.length);
  for (const c of candidates) {
    if (c.word.length < MIN_RESERVED_LENGTH || own.has(c.word)) continue;
    if (text.includes(c.word)) return c;
  }
  return null;
}

const SOURCE_TEXT: Record<ReservedHit["source"], string> = {
  brand: "the brand's name",
  coupon: "a coupon's name",
  affiliate: "another affiliate's name",
  code: "another affiliate's code",
};

export function reservedWordMessage(hit: ReservedHit): string {
  return `Codes cannot contain ${hit.word}: it is ${SOURCE_TEXT[hit.source]}. Choose a code built from your own name or words.`;
}
