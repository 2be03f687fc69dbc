import { notFound } from "~/api/errors";
import { apiRoute } from "~/api/handler.server";
import { conversionResponse } from "~/api/serializers/conversions.server";
import { getConversionApi } from "~/services/conversions/conversion-lists.server";

/** `GET /api/v1/conversions/{id}` — another brand's conversion is 404. */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const conversion = await getConversionApi(ctx.db, ctx.brandId, ctx.params.id ?? "");
    if (!conversion) throw notFound("Conversion");
    return conversionResponse(conversion);
  },
});
