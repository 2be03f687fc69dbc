/**
 * fast-check arbitraries for the fuzz test: request bodies derived from the API's zod schemas
 * (app/api/schemas.ts; `zod-fast-check` is not installed, so this walks zod 4's definitions
 * itself), then bent — required fields dropped, unknown ones added, values swapped for hostile
 * ones — plus hostile scalars shared by every target.
 */
import fc from "fast-check";
import type { z } from "zod";

/** Values that have broken web apps before. */
export const hostileStrings = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(1)",
  "//evil.example/",
  "https://evil.example/",
  "/\\evil.example",
  "' or 1=1 --",
  "'; drop table users; --",
  "../../etc/passwd",
  "%00",
  "\u0000",
  "\uffff",
  "\ud800",
  "😀".repeat(50),
  "a".repeat(5000),
  "=cmd|' /C calc'!A0",
  "${7*7}",
  "{{7*7}}",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "2026-02-30T25:61:00Z",
  "-99999999999999999999",
  "12.345",
];

// ---- issue 15: the generators that found 5xx in the attack run, so they can never come back.

/** Text PostgreSQL cannot store: NUL anywhere in otherwise plausible text. */
export const nulString = fc
  .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
  .map(([a, b]) => `${a}\u0000${b}`);

/** Unpaired UTF-16 surrogates (high or low, alone or in text) that would collapse to U+FFFD. */
export const surrogateString = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.string({ maxLength: 8 }),
  )
  .map(([a, cp, b]) => `${a}${String.fromCharCode(cp)}${b}`);

/** Well-formed but impossible instants (Feb 30, hour 25, year 0000, month 13). */
export const impossibleDate = fc.constantFrom(
  "2026-02-30T00:00:00.000000Z",
  "0000-01-01T00:00:00.000000Z",
  "2026-01-01T25:00:00.000000Z",
  "2026-13-01T00:00:00.000000Z",
  "2026-02-30",
  "0000-01-01",
  "2026-02-29T24:60:60Z",
);

/** Keyset cursors (base64url of [timestamp, uuid]) that decode to impossible instants. */
export const impossibleCursor = fc
  .tuple(impossibleDate, fc.uuid())
  .map(([ts, id]) => Buffer.from(JSON.stringify([ts, id])).toString("base64url"));

/** JSON text nested far deeper than anything real (arrays or objects, up to 100,000 levels). */
export const deepJsonText = fc
  .tuple(fc.constantFrom(64, 1_000, 100_000), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? "[".repeat(depth) + "]".repeat(depth)
      : '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
  );

/** A 50 MB body as a stream of 1 MB chunks (never built in memory at once). */
export const HUGE_BODY_BYTES = 50 * 1024 * 1024;
export function hugeBodyStream(byte = "a"): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(byte.repeat(1024 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= HUGE_BODY_BYTES) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 1, arbitrary: nulString },
  { weight: 1, arbitrary: surrogateString },
  { weight: 1, arbitrary: impossibleDate },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      1e21,
      Number.MAX_SAFE_INTEGER,
      [],
      {},
    ),
  },
);

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** A mostly-valid value for the schema (`ids` feeds uuid fields with real ids some of the time). */
export function validish(
  schema: z.ZodType,
  ids: readonly string[],
  depth = 0,
): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  if (depth > 6) return fc.constant(null);
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, z.ZodType>;
      const entries = Object.entries(shape).map(
        ([k, v]) => [k, validish(v, ids, depth + 1)] as const,
      );
      const required = Object.entries(shape)
        .filter(([, v]) => !["optional", "default"].includes(defOf(v).type))
        .map(([k]) => k);
      return fc.record(Object.fromEntries(entries), { requiredKeys: required });
    }
    case "string": {
      const format = def.format as string | undefined;
      if (format === "uuid" || format === "guid")
        return ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.uuid()) : fc.uuid();
      if (format === "email") return fc.emailAddress();
      if (format === "datetime")
        return fc
          .date({ min: new Date(2000, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true })
          .map((d) => d.toISOString());
      if (format === "url") return fc.webUrl();
      return fc.oneof(
        fc.constantFrom(
          "usd",
          "eur",
          "jpy",
          "Partners",
          "SUMMER20",
          "https://brand.example/pricing",
        ),
        fc.string({ minLength: 1, maxLength: 30 }),
      );
    }
    case "number":
      return fc.oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
      );
    case "boolean":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "union":
      return fc.oneof(...(def.options as z.ZodType[]).map((o) => validish(o, ids, depth + 1)));
    case "nullable":
      return fc.oneof(fc.constant(null), validish(def.innerType as z.ZodType, ids, depth + 1));
    case "optional":
    case "default":
    case "readonly":
    case "catch":
    case "nonoptional":
      return validish(def.innerType as z.ZodType, ids, depth + 1);
    case "pipe":
      return validish(def.in as z.ZodType, ids, depth + 1);
    case "array":
      return fc.array(validish(def.element as z.ZodType, ids, depth + 1), { maxLength: 4 });
    case "record":
      return fc.dictionary(
        fc.string({ maxLength: 8 }),
        validish(def.valueType as z.ZodType, ids, depth + 1),
        { maxKeys: 3 },
      );
    default:
      return hostileJson;
  }
}

/**
 * A schema-derived body, then maybe bent: keys dropped or added, values replaced, or (issue 15) one
 * string value of an otherwise valid body poisoned with NUL or an unpaired surrogate, so the
 * poison reaches the service and the database instead of failing validation elsewhere.
 */
export function bodyFor(schema: z.ZodType, ids: readonly string[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      validish(schema, ids),
      fc.nat({ max: 11 }),
      fc.string({ maxLength: 12 }),
      hostileJson,
      fc.oneof(nulString, surrogateString),
    )
    .map(([value, mode, key, junk, poison]) => {
      if (!value || typeof value !== "object" || Array.isArray(value)) return value;
      const obj = { ...(value as Record<string, unknown>) };
      const keys = Object.keys(obj);
      if (mode === 1 && keys.length > 0) delete obj[keys[key.length % keys.length]];
      if (mode === 2) obj[key || "extra"] = junk;
      if (mode === 3 && keys.length > 0) obj[keys[key.length % keys.length]] = junk;
      if (mode === 4) return junk;
      if (mode >= 10) {
        const strings = keys.filter((k) => typeof obj[k] === "string");
        if (strings.length > 0) {
          const k = strings[key.length % strings.length];
          obj[k] = `${String(obj[k])}${poison}`;
        }
      }
      return obj;
    });
}
