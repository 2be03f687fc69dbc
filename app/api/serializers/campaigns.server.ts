/** The contract's JSON for campaigns (DESIGN.md section 7). Pure: a stored row in, the JSON out. */
import type { z } from "zod";
import type { Campaign as CampaignRow } from "~/db/schema";
import type { Campaign } from "../schemas";

export type CampaignJson = z.output<typeof Campaign>;

const toPercent = (bps: number) => bps / 100;

export function campaignJson(row: CampaignRow): CampaignJson {
  return {
    id: row.id,
    name: row.name,
    destination_url: row.destination_url,
    commission:
      row.commission_type === "percent"
        ? { type: "percent", percent: toPercent(row.commission_percent_bps ?? 0) }
        : {
            type: "flat",
            amount: row.commission_amount ?? 0,
            currency: row.commission_currency ?? "usd",
          },
    recurring_months: row.recurring_months,
    sub_affiliate_override_percent: toPercent(row.sub_affiliate_override_bps),
    created_at: row.created_at.toISOString(),
  };
}
