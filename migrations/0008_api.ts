import { sql, type Kysely } from "kysely";

/**
 * REST API v1 plumbing: stored first responses for `Idempotency-Key` (24 h, per API key + key)
 * and one token bucket per API key (rate limit shared by every web process).
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_idempotency_keys")
    .addColumn("api_key_id", "uuid", (c) =>
      c.notNull().references("api_keys.id").onDelete("cascade"),
    )
    .addColumn("key", "text", (c) => c.notNull().check(sql`length(key) between 1 and 255`))
    // sha256 hex of method, path and raw body: "the same request"
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('processing','completed')`))
    .addColumn("response_status", "integer")
    .addColumn("response_body", "text")
    .addColumn("response_content_type", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("completed_at", "timestamptz")
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("api_idempotency_keys_pkey", ["api_key_id", "key"])
    .addCheckConstraint(
      "api_idempotency_keys_completed_shape",
      sql`(state = 'completed') = (response_status is not null and response_body is not null)`,
    )
    .execute();
  await db.schema
    .createIndex("api_idempotency_keys_expires_idx")
    .on("api_idempotency_keys")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("api_rate_limits")
    .addColumn("api_key_id", "uuid", (c) =>
      c.primaryKey().references("api_keys.id").onDelete("cascade"),
    )
    .addColumn("tokens", "double precision", (c) => c.notNull())
    .addColumn("allowed", "boolean", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
}
