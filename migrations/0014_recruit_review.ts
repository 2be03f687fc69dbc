import { sql, type Kysely } from "kysely";

/**
 * Recruits need approval (issue 15): a campaign may opt in to approving affiliates who join through
 * a recruiting link; a recruit that looks like its own parent (same address, company domain or
 * signup IP) is flagged, stays pending, and earns its parent no override until the brand confirms
 * they are different people.
 *
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("campaigns")
    .addColumn("auto_approve_recruits", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable("affiliates")
    .addColumn("signup_ip", "text")
    .addColumn("recruit_flags", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("recruit_flags_cleared_at", "timestamptz")
    .execute();
}
