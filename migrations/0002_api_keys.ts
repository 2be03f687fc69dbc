import { sql, type Kysely } from "kysely";

/**
 * API keys for the REST API. Only the SHA-256 hex digest of a key is stored (unique), plus a short
 * display prefix. Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_keys")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("key_hash", "text", (c) =>
      c
        .notNull()
        .unique()
        .check(sql`key_hash ~ '^[0-9a-f]{64}$'`),
    )
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("api_keys_brand_idx")
    .on("api_keys")
    .columns(["brand_id", "created_at"])
    .execute();
}
