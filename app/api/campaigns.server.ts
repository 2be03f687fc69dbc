/**
 * Campaigns over /api/v1: API body -> CampaignInput (validated by the same
 * domain schema the brand UI uses), and the keyset-paginated list.
 */
import type { z } from "zod";
import type { DB } from "~/db/db.server";
import type { Campaign as CampaignRow } from "~/db/schema";
import {
  type CampaignInput,
  campaignInputSchema,
  DEFAULT_COOKIE_WINDOW_DAYS,
} from "~/domain/campaign";
import { ApiError, fromZodError } from "./errors";
import { type Page, type PageParams, mapPage, paginate } from "./pagination.server";
import type { CampaignCreate, CampaignUpdate } from "./schemas";
import { campaignJson, type CampaignJson } from "./serializers/campaigns.server";

const toBps = (percent: number) => Math.round(percent * 100);

/** Domain field path -> API param name. */
const PARAM_OF: Record<string, string> = {
  name: "name",
  destinationUrl: "destination_url",
  commission: "commission",
  "commission.bps": "commission.percent",
  "commission.amount": "commission.amount",
  "commission.currency": "commission.currency",
  recurringMonths: "recurring_months",
  subAffiliateOverrideBps: "sub_affiliate_override_percent",
  cookieWindowDays: "cookie_window_days",
  autoApprove: "auto_approve",
  autoApproveRecruits: "auto_approve_recruits",
};

/** Validate with the domain's campaignInputSchema; errors name the API field. */
function validated(input: CampaignInput): CampaignInput {
  const parsed = campaignInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.map(String).join(".");
  const param = PARAM_OF[path] ?? PARAM_OF[String(issue.path[0])];
  if (!param) throw fromZodError(parsed.error);
  throw new ApiError("invalid_request", issue.message, param);
}

function commissionInput(
  c: z.output<typeof CampaignCreate>["commission"],
): CampaignInput["commission"] {
  return c.type === "percent"
    ? { type: "percent", bps: toBps(c.percent) }
    : { type: "flat", amount: c.amount, currency: c.currency };
}

export function campaignCreateInput(body: z.output<typeof CampaignCreate>): CampaignInput {
  return validated({
    name: body.name,
    destinationUrl: body.destination_url,
    commission: commissionInput(body.commission),
    recurringMonths: body.recurring_months ?? null,
    subAffiliateOverrideBps: toBps(body.sub_affiliate_override_percent ?? 0),
    cookieWindowDays: body.cookie_window_days ?? DEFAULT_COOKIE_WINDOW_DAYS,
    autoApprove: body.auto_approve ?? false,
    autoApproveRecruits: body.auto_approve_recruits ?? false,
  });
}

/** PATCH: the stored campaign with only the sent fields replaced. */
export function campaignUpdateInput(
  row: CampaignRow,
  body: z.output<typeof CampaignUpdate>,
): CampaignInput {
  return validated({
    name: body.name ?? row.name,
    destinationUrl: body.destination_url ?? row.destination_url,
    commission: body.commission
      ? commissionInput(body.commission)
      : row.commission_type === "percent"
        ? { type: "percent", bps: row.commission_percent_bps ?? 0 }
        : {
            type: "flat",
            amount: row.commission_amount ?? 0,
            currency: row.commission_currency ?? "usd",
          },
    recurringMonths:
      body.recurring_months !== undefined ? body.recurring_months : row.recurring_months,
    subAffiliateOverrideBps:
      body.sub_affiliate_override_percent !== undefined
        ? toBps(body.sub_affiliate_override_percent)
        : row.sub_affiliate_override_bps,
    cookieWindowDays: body.cookie_window_days ?? row.cookie_window_days,
    autoApprove: body.auto_approve ?? row.auto_approve,
    autoApproveRecruits: body.auto_approve_recruits ?? row.auto_approve_recruits,
  });
}

export async function listCampaignsPage(
  db: DB,
  brandId: string,
  page: PageParams,
): Promise<Page<CampaignJson>> {
  const rows = await paginate(
    db.selectFrom("campaigns").selectAll("campaigns").where("campaigns.brand_id", "=", brandId),
    "campaigns",
    page,
  );
  return mapPage(rows, campaignJson);
}
