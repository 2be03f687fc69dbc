import { getAffiliateJson } from "~/api/affiliates.server";
import { notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { Affiliate } from "~/api/schemas";

/** `GET /api/v1/affiliates/{affiliateId}` */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const json = await getAffiliateJson(
      ctx.db,
      ctx.brandId,
      ctx.params.affiliateId ?? "",
      ctx.config.appUrl,
    );
    if (!json) throw notFound("Affiliate");
    return respond(Affiliate, json);
  },
});
