import { apiRoute } from "~/api/handler.server";
import { ConversionFilters } from "~/api/schemas";
import { conversionsCsvResponse } from "~/services/conversions/csv-export.server";

/**
 * `GET /api/v1/conversions/export.csv` — the list's filters, streamed as CSV from a server-side
 * cursor. Filter errors (before the stream starts) get the JSON error shape.
 */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const filters = ctx.query(ConversionFilters);
    return conversionsCsvResponse(ctx.db, ctx.brandId, filters, {
      signal: ctx.request.signal,
      headOnly: ctx.request.method === "HEAD",
    });
  },
});
