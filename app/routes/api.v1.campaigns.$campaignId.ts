import { campaignJson } from "~/api/serializers/campaigns.server";
import { campaignUpdateInput } from "~/api/campaigns.server";
import { notFound } from "~/api/errors";
import { apiRoute, respond } from "~/api/handler.server";
import { Campaign, CampaignUpdate } from "~/api/schemas";
import { getCampaign, updateCampaign } from "~/services/campaigns/campaigns.server";

/** `GET|PATCH /api/v1/campaigns/{campaignId}` */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const row = await getCampaign(ctx.db, ctx.brandId, ctx.params.campaignId ?? "");
    if (!row) throw notFound("Campaign");
    return respond(Campaign, campaignJson(row));
  },
  async PATCH(ctx) {
    const body = ctx.body(CampaignUpdate);
    const current = await getCampaign(ctx.db, ctx.brandId, ctx.params.campaignId ?? "");
    if (!current) throw notFound("Campaign");
    const row = await updateCampaign(
      ctx.db,
      ctx.brandId,
      current.id,
      campaignUpdateInput(current, body),
    );
    if (!row) throw notFound("Campaign");
    return respond(Campaign, campaignJson(row));
  },
});
