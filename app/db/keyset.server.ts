/**
 * Keyset pagination primitives (newest first, ordered by (created_at, id) descending) for every
 * list that pages: the REST API's `{data, has_more, next_cursor}` pages and the dashboard's
 * Older/Newer links. The cursor is opaque to clients: base64url of the last row's exact
 * created_at (microseconds, UTC) and id. Rows inserted between page fetches sort before the
 * cursor, so later pages neither repeat nor skip rows that existed when the first page was read.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import { isUuid } from "../domain/ids";

export interface PageParams {
  limit: number;
  cursor: Cursor | null;
}

export interface Cursor {
  /** ISO 8601 UTC with microseconds, e.g. 2025-01-02T03:04:05.123456Z */
  createdAt: string;
  id: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A well-formed timestamp that names a real instant PostgreSQL can hold: no February 30th, no
 * hour 25, no year 0000 (which PostgreSQL refuses). JS Date rolls impossible fields over, so the
 * parsed value must print back to the same text.
 */
function isRealTimestamp(ts: string): boolean {
  if (ts.startsWith("0000")) return false;
  const d = new Date(ts.slice(0, 23) + "Z");
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 23) === ts.slice(0, 23);
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id]), "utf8").toString("base64url");
}

export function decodeCursor(value: string): Cursor | null {
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return null;
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== "string" || !CURSOR_TS.test(createdAt) || !isUuid(id)) return null;
    if (!isRealTimestamp(createdAt)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/**
 * Run a brand-scoped select as one page. `table` is the alias whose `created_at` and `id` order
 * the list (it must be in the query). Fetches limit + 1 rows to know `has_more`.
 */
export async function paginate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  table: string,
  page: PageParams,
): Promise<Page<O>> {
  const createdAt = sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);
  let q = query.select(
    sql<string>`to_char(${createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
      "__cursor_ts",
    ),
  ) as unknown as SelectQueryBuilder<DB, TB, O & { __cursor_ts: string; id: string }>;
  if (page.cursor) {
    q = q.where(
      sql<boolean>`(${createdAt}, ${id}) < (${page.cursor.createdAt}::timestamptz, ${page.cursor.id}::uuid)`,
    );
  }
  const rows = await q
    .orderBy(sql`${createdAt} desc`)
    .orderBy(sql`${id} desc`)
    .limit(page.limit + 1)
    .execute();
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(({ __cursor_ts: _ts, ...row }) => row as unknown as O),
    has_more: hasMore,
    next_cursor:
      hasMore && last ? encodeCursor({ createdAt: last.__cursor_ts, id: last.id }) : null,
  };
}

/** Map a page's rows (e.g. to their JSON shape) keeping has_more and next_cursor. */
export function mapPage<A, B>(page: Page<A>, fn: (row: A) => B): Page<B> {
  return { data: page.data.map(fn), has_more: page.has_more, next_cursor: page.next_cursor };
}
