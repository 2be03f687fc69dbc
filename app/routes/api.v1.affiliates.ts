import { getAffiliateJson, listAffiliatesPage } from "~/api/affiliates.server";
import { ApiError, fromFieldErrors } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { pageParams } from "~/api/pagination.server";
import { Affiliate, AffiliateCreate, AffiliateList, PageQuery } from "~/api/schemas";
import { createAffiliate } from "~/services/affiliates/affiliates.server";

/** `GET|POST /api/v1/affiliates` */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = pageParams(ctx.query(PageQuery));
    return respond(
      AffiliateList,
      await listAffiliatesPage(ctx.db, ctx.brandId, page, ctx.config.appUrl),
    );
  },
  async POST(ctx) {
    const body = ctx.body(AffiliateCreate);
    const result = await createAffiliate(ctx.db, ctx.config, ctx.brandId, {
      email: body.email,
      name: body.name,
      campaignId: body.campaign_id,
      status: body.status,
    });
    if (!result.ok) {
      throw result.reason === "conflict"
        ? new ApiError("conflict", result.message, "email")
        : fromFieldErrors(result.fieldErrors);
    }
    const json = await getAffiliateJson(
      ctx.db,
      ctx.brandId,
      result.affiliate.id,
      ctx.config.appUrl,
    );
    return respond(Affiliate, json!, 201);
  },
});
