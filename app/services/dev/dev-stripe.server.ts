/**
 * Development only (`STRIPE_MODE=emulator`): the in-process Stripe emulator starts empty on every
 * `npm run dev`, so each brand connected with a test key is reconnected to it (a fresh webhook
 * endpoint pointing at this app), and the demo brand is connected with a demo key.
 */
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { DEMO_OWNER } from "./seed.server";
import { connectStripe, loadStripeCredentials } from "../stripe-account/stripe-connection.server";

export const DEMO_STRIPE_KEY = "rk_test_rekomi_demo_acme";

export async function connectBrandsToEmulator(db: DB, config: Config): Promise<string[]> {
  const connected = await db.selectFrom("stripe_connections").select("brand_id").execute();
  const demo = await db
    .selectFrom("brand_members")
    .innerJoin("users", "users.id", "brand_members.user_id")
    .select("brand_members.brand_id")
    .where("users.email", "=", DEMO_OWNER.email)
    .executeTakeFirst();
  const messages: string[] = [];
  const jobs = new Map<string, string>();
  for (const { brand_id } of connected) {
    const creds = await loadStripeCredentials(db, config, brand_id);
    if (creds && /^(sk|rk)_test_/.test(creds.secretKey)) jobs.set(brand_id, creds.secretKey);
  }
  if (demo && !jobs.has(demo.brand_id) && !connected.some((c) => c.brand_id === demo.brand_id)) {
    jobs.set(demo.brand_id, DEMO_STRIPE_KEY);
  }
  for (const [brandId, key] of jobs) {
    const result = await connectStripe(db, config, brandId, key);
    messages.push(
      result.ok
        ? `brand ${brandId} connected to the Stripe emulator`
        : `brand ${brandId}: could not connect to the Stripe emulator: ${result.message}`,
    );
  }
  return messages;
}
