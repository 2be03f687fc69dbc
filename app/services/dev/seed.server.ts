/**
 * Demo data for `npm run dev` on an empty database: the brand "Acme Analytics" (Growth plan), its
 * owner, the campaign "Acme Partners" and three approved affiliates enrolled in it.
 */
import { sql } from "kysely";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { createBrandWithOwner } from "../accounts/accounts.server";
import { joinCampaign } from "../affiliates/join.server";
import { createCampaign } from "../campaigns/campaigns.server";

export interface SeedResult {
  brandId: string;
  logins: { role: string; email: string; password: string }[];
}

export const DEMO_PASSWORD = "rekomi-demo-1";
export const DEMO_OWNER = { email: "demo@rekomi.test", name: "Alex Morgan" } as const;
export const DEMO_AFFILIATES = [
  { email: "sarah@affiliates.test", name: "Sarah Chen" },
  { email: "marco@affiliates.test", name: "Marco Rossi" },
  { email: "priya@affiliates.test", name: "Priya Patel" },
] as const;

/**
 * Seeds the demo brand when the database has no brand at all; otherwise does nothing and returns
 * null. One transaction, serialised by an advisory lock so two processes starting together seed
 * once.
 */
export async function seedDemoIfEmpty(db: DB, config: Config): Promise<SeedResult | null> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('rekomi:demo-seed'))`.execute(trx);
    const anyBrand = await trx.selectFrom("brands").select("id").limit(1).executeTakeFirst();
    if (anyBrand) return null;
    const emails = [DEMO_OWNER.email, ...DEMO_AFFILIATES.map((a) => a.email)];
    const clash = await trx
      .selectFrom("users")
      .select("id")
      .where("email", "in", emails)
      .executeTakeFirst();
    if (clash) return null; // leftovers of an earlier demo: never touch real accounts

    const brand = await createBrandWithOwner(trx, {
      brandName: "Acme Analytics",
      ownerName: DEMO_OWNER.name,
      email: DEMO_OWNER.email,
      password: DEMO_PASSWORD,
      plan: "growth",
      verified: true,
    });

    const campaign = await createCampaign(trx, brand.brandId, {
      name: "Acme Partners",
      destinationUrl: "https://acme.example.com",
      commission: { type: "percent", bps: 2000 },
      recurringMonths: 12,
      subAffiliateOverrideBps: 1000,
      cookieWindowDays: 30,
      autoApprove: true,
    });
    for (const person of DEMO_AFFILIATES) {
      const joined = await joinCampaign(trx, config, {
        slug: campaign.slug,
        ...person,
        password: DEMO_PASSWORD,
        verified: true,
      });
      if (!joined.ok || joined.outcome !== "joined" || joined.affiliate.status !== "approved") {
        throw new Error(`Demo seed: could not enroll ${person.email}`);
      }
    }
    return {
      brandId: brand.brandId,
      logins: [
        { role: "brand", email: DEMO_OWNER.email, password: DEMO_PASSWORD },
        ...DEMO_AFFILIATES.map((a) => ({
          role: "affiliate",
          email: a.email,
          password: DEMO_PASSWORD,
        })),
      ],
    };
  });
}
