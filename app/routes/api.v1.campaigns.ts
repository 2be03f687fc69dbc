import { campaignCreateInput, listCampaignsPage } from "~/api/campaigns.server";
import { campaignJson } from "~/api/serializers/campaigns.server";
import { apiRoute, respond } from "~/api/handler.server";
import { pageParams } from "~/api/pagination.server";
import { Campaign, CampaignCreate, CampaignList, PageQuery } from "~/api/schemas";
import { createCampaign } from "~/services/campaigns/campaigns.server";

/** `GET|POST /api/v1/campaigns` */
export const { loader, action } = apiRoute({
  async GET(ctx) {
    const page = pageParams(ctx.query(PageQuery));
    return respond(CampaignList, await listCampaignsPage(ctx.db, ctx.brandId, page));
  },
  async POST(ctx) {
    const input = campaignCreateInput(ctx.body(CampaignCreate));
    const row = await createCampaign(ctx.db, ctx.brandId, input);
    return respond(Campaign, campaignJson(row), 201);
  },
});
