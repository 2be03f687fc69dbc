import { assertOk } from "~/api/errors";
import { apiRoute } from "~/api/handler.server";
import { pageParams } from "~/api/pagination.server";
import { ConversionCreate, ConversionListQuery } from "~/api/schemas";
import { conversionPageResponse, conversionResponse } from "~/api/serializers/conversions.server";
import { listConversionsApiPage } from "~/services/conversions/conversion-lists.server";
import { conversionJson } from "~/domain/conversion-json";
import { recordS2sConversion } from "~/services/attribution/s2s.server";

/**
 * `GET /api/v1/conversions` (filters attribution_method, affiliate_id, status, created_gte,
 * created_lt; keyset pages) and `POST /api/v1/conversions` (an S2S report, idempotent on
 * external_id: 201 when recorded, 200 with the existing conversion when already reported).
 */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const query = ctx.query(ConversionListQuery);
    const { limit: _limit, cursor: _cursor, ...filters } = query;
    const page = await listConversionsApiPage(ctx.db, ctx.brandId, filters, pageParams(query));
    return conversionPageResponse(page);
  },
  async POST(ctx) {
    const body = ctx.body(ConversionCreate);
    const result = await recordS2sConversion(ctx.db, ctx.brandId, body);
    assertOk(result);
    return conversionResponse(conversionJson(result.conversion), result.created ? 201 : 200);
  },
});
