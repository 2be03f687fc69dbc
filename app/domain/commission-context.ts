/**
 * The credited campaign's commission terms and the parent that may earn an override, from one
 * row of the campaign joined to the credited affiliate and its parent (pure). The parent-override
 * rule (`overrideEarner`, recruiting.ts) is applied here, once, for Stripe and S2S conversions.
 */
import type { AffiliateStatus } from "~/db/schema";
import type { CampaignCommission } from "./commission";
import type { CommissionContext } from "./payment-plan";
import { overrideEarner } from "./recruiting";

export interface CommissionContextRow {
  commission_type: "percent" | "flat";
  commission_percent_bps: number | null;
  commission_amount: number | null;
  commission_currency: string | null;
  sub_affiliate_override_bps: number;
  recurring_months: number | null;
  parent_id: string | null;
  parent_status: AffiliateStatus | null;
  recruit_flags: string[] | null;
  recruit_flags_cleared_at: Date | null;
}

/** The campaign's commission rule as stored (percent in bps, or a flat amount). */
export function campaignCommissionOf(row: CommissionContextRow): CampaignCommission {
  return row.commission_type === "percent"
    ? { type: "percent", bps: row.commission_percent_bps ?? 0 }
    : {
        type: "flat",
        amount: row.commission_amount ?? 0,
        currency: row.commission_currency ?? "usd",
      };
}

export function commissionContextOf(
  affiliateId: string,
  row: CommissionContextRow,
): CommissionContext {
  return {
    terms: {
      commission: campaignCommissionOf(row),
      overrideBps: row.sub_affiliate_override_bps,
      recurringMonths: row.recurring_months,
    },
    parentAffiliateId: overrideEarner(
      {
        id: affiliateId,
        recruitFlags: row.recruit_flags ?? [],
        recruitFlagsClearedAt: row.recruit_flags_cleared_at,
      },
      { id: row.parent_id, status: row.parent_status },
    ),
  };
}
