import { randomUUID } from "node:crypto";
import type { DB } from "../../app/db/db.server";
import type { Insertable } from "kysely";
import type { ConversionsTable } from "../../app/db/schema";
import { createAffiliate } from "../../app/services/affiliates/affiliates.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { createBrandWithKey } from "../api/helpers";
import { testConfig } from "../helpers/context";

export interface BrandWorld {
  brandId: string;
  key: string;
  keyId: string;
  campaignId: string;
  affiliateId: string;
  affiliate2Id: string;
}

let n = 0;

export async function campaignFor(db: DB, brandId: string, name = "Partners"): Promise<string> {
  const c = await createCampaign(db, brandId, {
    name,
    destinationUrl: "https://acme.example.com/",
    commission: { type: "percent", bps: 2000 },
    recurringMonths: null,
    subAffiliateOverrideBps: 0,
    cookieWindowDays: 30,
    autoApprove: true,
  });
  return c.id;
}

export async function affiliateFor(
  db: DB,
  brandId: string,
  campaignId: string,
  name: string,
  status: "approved" | "pending" = "approved",
): Promise<string> {
  n++;
  const r = await createAffiliate(db, testConfig(), brandId, {
    email: `aff${n}-${randomUUID().slice(0, 8)}@example.test`,
    name,
    campaignId,
    status,
  });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.affiliate.id;
}

/** A brand (Growth, in trial) with an API key, a campaign and two approved affiliates. */
export async function brandWorld(db: DB, name = "Acme"): Promise<BrandWorld> {
  const { brandId, key, keyId } = await createBrandWithKey(db, name);
  const campaignId = await campaignFor(db, brandId, `${name} Partners`);
  const affiliateId = await affiliateFor(db, brandId, campaignId, "Sarah Jones");
  const affiliate2Id = await affiliateFor(db, brandId, campaignId, "Tom Lee");
  return { brandId, key, keyId, campaignId, affiliateId, affiliate2Id };
}

export type ConversionSeed = Partial<{
  [K in keyof ConversionsTable]: unknown;
}> & { brand_id: string };

/** Insert one conversion row directly (no attribution job). Defaults: a $100 link sale. */
export async function insertConversion(db: DB, seed: ConversionSeed): Promise<string> {
  const now = new Date();
  const values = {
    attribution_method: "link",
    amount: 10_000,
    currency: "usd",
    commission_amount: 2_000,
    status: "approved",
    decision: JSON.stringify({ version: 1, rule: "link_only", winner: null, candidates: [] }),
    period_start: now,
    occurred_at: now,
    ...(seed.external_id
      ? {}
      : {
          stripe_customer_id: `cus_${randomUUID().slice(0, 12)}`,
          stripe_invoice_id: `in_${randomUUID().replace(/-/g, "")}`,
        }),
    ...seed,
  };
  const row = await db
    .insertInto("conversions")
    .values(values as unknown as Insertable<ConversionsTable>)
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
