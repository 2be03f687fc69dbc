import { assertOk, notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { DeletedResponse } from "~/api/schemas";
import { isUuid } from "~/domain/ids";
import { deactivateAffiliateCode } from "~/services/campaigns/affiliate-codes.server";

/**
 * `DELETE /api/v1/affiliates/{affiliateId}/coupons/{id}`: the code stops working at once and its
 * Stripe promotion code is deactivated. If Stripe could not be reached the deletion still stands
 * and the reason is in the `Rekomi-Warning` header.
 */
export const { loader, action } = apiRoute({
  async DELETE(ctx) {
    const affiliateId = ctx.params.affiliateId ?? "";
    if (!isUuid(affiliateId)) throw notFound("Code");
    const result = await deactivateAffiliateCode(
      ctx.db,
      { config: ctx.config },
      ctx.brandId,
      ctx.params.id ?? "",
      {
        delete: true,
        affiliateId,
      },
    );
    assertOk(result);
    const headers: Record<string, string> = result.stripeWarning
      ? { "Rekomi-Warning": result.stripeWarning.replace(/[^\x20-\x7e]+/g, " ").slice(0, 500) }
      : {};
    return respond(DeletedResponse, { id: result.code.id, deleted: true }, 200, headers);
  },
});
