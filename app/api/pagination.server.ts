/**
 * Pagination for `/api/v1` lists: the query string's `{limit, cursor}` -> PageParams (a bad
 * cursor is a 400). The keyset primitives themselves (cursor codec, `paginate`, `mapPage`) live in
 * app/db/keyset.server.ts so services can page without importing from the API layer.
 */
import { decodeCursor, type PageParams } from "~/db/keyset.server";
import { ApiError } from "./errors";

export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, pageQueryFields } from "./schemas";
export {
  type Cursor,
  decodeCursor,
  encodeCursor,
  mapPage,
  type Page,
  type PageParams,
  paginate,
} from "~/db/keyset.server";

/** `{limit, cursor}` (as parsed by pageQueryFields) -> PageParams; a bad cursor is a 400. */
export function pageParams(query: { limit: number; cursor?: string }): PageParams {
  if (query.cursor === undefined || query.cursor === "")
    return { limit: query.limit, cursor: null };
  const cursor = decodeCursor(query.cursor);
  if (!cursor) {
    throw new ApiError(
      "invalid_request",
      "This cursor is not valid. Pass the next_cursor value of a previous page unchanged.",
      "cursor",
    );
  }
  return { limit: query.limit, cursor };
}
