import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";

export interface SeedResult {
  brandId: string;
  logins: { role: string; email: string; password: string }[];
}

/** Seeds the demo brand on an empty database (dev only). Filled in by the accounts work. */
export async function seedDemoIfEmpty(_db: DB, _config: Config): Promise<SeedResult | null> {
  return null;
}
