import { sql, type Kysely } from "kysely";

/** Referral link clicks (`/r/{code}`). Frozen in time: never import application code here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("clicks")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("campaign_id", "uuid", (c) =>
      c.notNull().references("campaigns.id").onDelete("cascade"),
    )
    .addColumn("affiliate_id", "uuid", (c) =>
      c.notNull().references("affiliates.id").onDelete("cascade"),
    )
    .addColumn("enrollment_id", "uuid", (c) =>
      c.notNull().references("enrollments.id").onDelete("cascade"),
    )
    .addColumn("referrer", "text")
    .addColumn("user_agent", "text")
    // salted hash of the client IP (never the raw address)
    .addColumn("ip_hash", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("clicks_enrollment_idx")
    .on("clicks")
    .columns(["enrollment_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("clicks_brand_idx")
    .on("clicks")
    .columns(["brand_id", "created_at"])
    .execute();
}
