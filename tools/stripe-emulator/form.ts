/**
 * Stripe-style form decoding: `a[b][c]=1`, `a[0][x]=1`, `a[]=1`, `expand[]=x`.
 * Objects whose keys are all non-negative integers become arrays (ordered by index).
 */

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function splitKey(rawKey: string): string[] | null {
  const open = rawKey.indexOf("[");
  if (open === -1) return [rawKey];
  const segments = [rawKey.slice(0, open)];
  let rest = rawKey.slice(open);
  while (rest.length > 0) {
    if (!rest.startsWith("[")) return null;
    const close = rest.indexOf("]");
    if (close === -1) return null;
    segments.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  return segments;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    return part;
  }
}

interface Node {
  [key: string]: Node | string;
}

function isNode(value: Node | string | undefined): value is Node {
  return typeof value === "object" && value !== null;
}

function toFormValue(node: Node | string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map((k) => Number(k))
      .sort((a, b) => a - b)
      .map((k) => toFormValue(node[String(k)]));
  }
  const out: FormObject = {};
  for (const k of keys) out[k] = toFormValue(node[k]);
  return out;
}

/** Parses an `application/x-www-form-urlencoded` string (or a query string) into nested values. */
export function parseForm(input: string): FormObject {
  const root: Node = {};
  if (input.length === 0) return {};
  for (const pair of input.split("&")) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf("=");
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    const segments = splitKey(rawKey);
    if (!segments || segments[0] === "" || segments.some((s) => FORBIDDEN.has(s))) continue;
    let node: Node = root;
    for (let i = 0; i < segments.length; i++) {
      let seg = segments[i];
      if (seg === "") seg = String(Object.keys(node).length);
      if (i === segments.length - 1) {
        node[seg] = value;
      } else {
        const child = node[seg];
        if (isNode(child)) {
          node = child;
        } else {
          const fresh: Node = {};
          node[seg] = fresh;
          node = fresh;
        }
      }
    }
  }
  const result = toFormValue(root);
  return typeof result === "object" && !Array.isArray(result) ? result : {};
}

/** Encodes nested values the way the Stripe SDK does (indexed arrays, bracketed keys). */
export function encodeForm(data: Record<string, unknown>): string {
  const pairs: string[] = [];
  const enc = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (value === null || typeof value !== "object") {
      pairs.push(
        `${encodeURIComponent(key)}=${encodeURIComponent(value === null ? "" : String(value))}`,
      );
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => enc(`${key}[${i}]`, v));
      return;
    }
    for (const [k, v] of Object.entries(value)) enc(`${key}[${k}]`, v);
  };
  for (const [k, v] of Object.entries(data)) enc(k, v);
  return pairs.join("&");
}
