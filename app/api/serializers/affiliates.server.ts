/** The contract's JSON for affiliates, with the referral link (DESIGN.md section 7). Pure. */
import type { z } from "zod";
import type { Affiliate as AffiliateRow } from "~/db/schema";
import { referralUrl } from "~/domain/campaign";
import { invitationState } from "~/domain/invitations";
import type { Affiliate } from "../schemas";

export type AffiliateJson = z.output<typeof Affiliate>;

export type AffiliateWithLink = AffiliateRow & { link_code: string | null };

export function affiliateJson(row: AffiliateWithLink, appUrl: string): AffiliateJson {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    parent_affiliate_id: row.parent_affiliate_id,
    link: row.link_code ? { code: row.link_code, url: referralUrl(appUrl, row.link_code) } : null,
    invitation: invitationState(row),
    created_at: row.created_at.toISOString(),
  };
}
