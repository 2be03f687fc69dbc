/**
 * One input-hygiene layer for all text (issue 15). PostgreSQL text and jsonb cannot hold U+0000,
 * and an unpaired UTF-16 surrogate would be silently turned into U+FFFD on the way (so two different
 * ids could collide): both are refused up front with the field that carries them. Deep JSON is
 * refused before parsing (PostgreSQL's jsonb and every recursive walker have a depth limit). Pure.
 */

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what we look for
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deepest JSON nesting accepted anywhere (Stripe's own objects stay far below). */
export const MAX_JSON_DEPTH = 32;

export type TextProblem = "nul" | "surrogate";

export function textProblem(s: string): TextProblem | null {
  if (NUL.test(s)) return "nul";
  if (LONE_SURROGATE.test(s)) return "surrogate";
  return null;
}

export function textProblemMessage(problem: TextProblem): string {
  return problem === "nul"
    ? "Contains a NUL character (U+0000), which is not allowed in text."
    : "Contains an unpaired UTF-16 surrogate (invalid Unicode text).";
}

export interface FoundProblem {
  /** Path to the offending value (object keys and array indexes). */
  path: (string | number)[];
  problem: TextProblem;
}

/** The first string (value or key) in a parsed JSON value that cannot be stored, or null. */
export function findTextProblem(
  value: unknown,
  path: (string | number)[] = [],
): FoundProblem | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findTextProblem(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k);
      if (keyProblem) return { path: [...path, k], problem: keyProblem };
      const found = findTextProblem(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Whether JSON text nests deeper than `max` (objects and arrays), by one linear scan of the text
 * (no parsing, no recursion), so a 100,000-level body costs nothing.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}
