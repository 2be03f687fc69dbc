import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import type { Campaign } from "../../app/db/schema";
import { createAffiliate } from "../../app/services/affiliates/affiliates.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { brandWithOwner } from "../portal/fixtures";
import { testConfig, testContext } from "../helpers/context";

export const BROWSER_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

export function campaignInput(
  overrides: { destinationUrl?: string; cookieWindowDays?: number; name?: string } = {},
) {
  return {
    name: overrides.name ?? "Partners",
    destinationUrl: overrides.destinationUrl ?? "https://shop.example.com/pricing",
    commission: { type: "percent" as const, bps: 2000 },
    recurringMonths: 12,
    subAffiliateOverrideBps: 500,
    cookieWindowDays: overrides.cookieWindowDays ?? 30,
    autoApprove: false,
  };
}

export async function brandWithCampaign(
  db: DB,
  name: string,
  campaign: Parameters<typeof campaignInput>[0] = {},
): Promise<{ brand: Awaited<ReturnType<typeof brandWithOwner>>; campaign: Campaign }> {
  const brand = await brandWithOwner(db, name);
  const created = await createCampaign(db, brand.brandId, campaignInput(campaign));
  return { brand, campaign: created };
}

let n = 0;

/** An affiliate of the campaign's brand with the given status, enrolled in it. */
export async function enrolledAffiliate(
  db: DB,
  campaign: Campaign,
  status: "approved" | "pending" | "rejected" | "suspended" = "approved",
) {
  n++;
  const r = await createAffiliate(db, testConfig(), campaign.brand_id, {
    email: `aff${n}-${Date.now()}@aff.test`,
    name: `Affiliate ${n}`,
    campaignId: campaign.id,
    status,
  });
  if (!r.ok) throw new Error("createAffiliate failed");
  return r;
}

/** Call a resource-route loader directly and return its Response. */
export async function callLoader(
  loader: (args: LoaderFunctionArgs) => Promise<Response>,
  db: DB,
  request: Request,
  params: Record<string, string>,
  context: Partial<AppContext> = {},
): Promise<Response> {
  return loader({ request, params, context: testContext(db, context) } as LoaderFunctionArgs);
}
