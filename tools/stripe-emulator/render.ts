import { invalidRequest, resourceMissing } from "./errors.js";
import type { Params } from "./params.js";
import type { Account } from "./state.js";
import type { JsonObject, JsonValue } from "./types.js";

function clone(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function isObj(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cannotExpand(path: string): Error {
  return invalidRequest(`This property cannot be expanded (${path}).`, "expand");
}

/** Strips includable / secret fields unless requested. `paths` are relative to this object. */
function prepare(obj: JsonObject, paths: string[], opts: { includeSecret?: boolean }): JsonObject {
  if (obj.object === "checkout.session" && !paths.includes("total_details.breakdown")) {
    const totals = obj.total_details;
    if (isObj(totals)) delete totals.breakdown;
  }
  if (obj.object === "webhook_endpoint" && !opts.includeSecret) delete obj.secret;
  return obj;
}

function resolveId(account: Account, id: string, path: string, rest: string[]): JsonObject {
  const found = account.findObject(id);
  if (!found) throw cannotExpand(path);
  return prepare(clone(found), rest.length ? [rest.join(".")] : [], {});
}

function expandAt(account: Account, value: JsonValue, segs: string[], path: string): JsonValue {
  if (segs.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => expandAt(account, v, segs, path));
  if (!isObj(value)) return value;
  const [head, ...rest] = segs;
  if (!(head in value)) throw cannotExpand(path);
  let child = value[head];
  if (typeof child === "string") {
    child = resolveId(account, child, path, rest);
  } else if (Array.isArray(child)) {
    child = child.map((c) => (typeof c === "string" ? resolveId(account, c, path, rest) : c));
  } else if (child !== null && !isObj(child)) {
    throw cannotExpand(path);
  }
  value[head] = expandAt(account, child, rest, path);
  return value;
}

/** Renders a stored object: deep copy, includables, then `expand[]` paths (Stripe dot syntax). */
export function render(
  account: Account,
  obj: object,
  expand: string[] = [],
  opts: { includeSecret?: boolean } = {},
): JsonObject {
  let out = prepare(clone(obj), expand, opts);
  for (const path of expand) {
    if (path.split(".").length > 4) {
      throw invalidRequest(
        `You cannot expand more than 4 levels of a property. Property: ${path}`,
        "expand",
      );
    }
    const expanded = expandAt(account, out, path.split("."), path);
    if (isObj(expanded)) out = expanded;
  }
  return out;
}

export interface ListOptions {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

/** Reads `limit`, `starting_after`, `ending_before` from list params. */
export function listOptions(p: Params): ListOptions {
  return {
    limit: p.int("limit", { min: 1, max: 100 }) ?? 10,
    startingAfter: p.str("starting_after"),
    endingBefore: p.str("ending_before"),
  };
}

/** A Stripe list (newest first) with cursor pagination; `data.x` expand paths apply per item. */
export function renderList<T extends { id: string }>(
  account: Account,
  items: Iterable<T>,
  url: string,
  opts: ListOptions,
  expand: string[],
): JsonObject {
  const all = [...items].reverse();
  let start = 0;
  let end = all.length;
  if (opts.startingAfter) {
    const idx = all.findIndex((i) => i.id === opts.startingAfter);
    if (idx === -1) throw resourceMissing("object", opts.startingAfter, "starting_after", 400);
    start = idx + 1;
    end = Math.min(all.length, start + opts.limit);
  } else if (opts.endingBefore) {
    const idx = all.findIndex((i) => i.id === opts.endingBefore);
    if (idx === -1) throw resourceMissing("object", opts.endingBefore, "ending_before", 400);
    end = idx;
    start = Math.max(0, end - opts.limit);
  } else {
    end = Math.min(all.length, opts.limit);
  }
  const page = all.slice(start, end);
  const hasMore = opts.endingBefore ? start > 0 : end < all.length;
  const itemExpand = expand.filter((e) => e.startsWith("data.")).map((e) => e.slice(5));
  for (const e of expand) {
    if (!e.startsWith("data.")) throw cannotExpand(e);
  }
  return {
    object: "list",
    data: page.map((item) => render(account, item, itemExpand)),
    has_more: hasMore,
    url,
  };
}
