import { sql, type Kysely } from "kysely";

/**
 * Outbound webhooks: endpoints, messages (the outbox: one per event, `msg_` id, exact signed body),
 * deliveries (one per message x endpoint, with the retry state) and attempts (the delivery log).
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull().check(sql`length(url) <= 2048`))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("event_types", sql`text[]`, (c) =>
      c.notNull().check(sql`cardinality(event_types) > 0`),
    )
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("disabled_reason", "text")
    .addColumn("disabled_at", "timestamptz")
    // encryptSecret output (AES-256-GCM, bound to the endpoint id); never the plaintext
    .addColumn("secret_encrypted", "text", (c) => c.notNull())
    .addColumn("previous_secret_encrypted", "text")
    .addColumn("previous_secret_expires_at", "timestamptz")
    .addColumn("failing_since", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("webhook_endpoints_brand_idx")
    .on("webhook_endpoints")
    .columns(["brand_id", "created_at"])
    .execute();

  await db.schema
    .createTable("webhook_messages")
    .addColumn("id", "text", (c) => c.primaryKey().check(sql`id ~ '^msg_[A-Za-z0-9]{10,64}$'`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("event_type", "text", (c) => c.notNull())
    // {type, timestamp, data}, queryable
    .addColumn("payload", "jsonb", (c) => c.notNull())
    // the exact bytes that are signed and sent, identical on every retry
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("webhook_messages_brand_idx")
    .on("webhook_messages")
    .columns(["brand_id", "created_at"])
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("message_id", "text", (c) =>
      c.notNull().references("webhook_messages.id").onDelete("cascade"),
    )
    .addColumn("endpoint_id", "uuid", (c) =>
      c.notNull().references("webhook_endpoints.id").onDelete("cascade"),
    )
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending', 'succeeded', 'failed', 'exhausted', 'cancelled')`),
    )
    .addColumn("attempt_count", "integer", (c) => c.notNull().defaultTo(0))
    // the current retry cycle (a resend starts a new one): its start and its attempts so far
    .addColumn("cycle_started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("cycle_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz")
    // per-endpoint in-flight lease: set while an HTTP request for this delivery is under way
    .addColumn("in_flight_until", "timestamptz")
    .addColumn("last_attempt_at", "timestamptz")
    .addColumn("last_status_code", "integer")
    .addColumn("last_error", "text")
    .addColumn("succeeded_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("webhook_deliveries_message_endpoint_key", ["message_id", "endpoint_id"])
    .execute();
  // delivery log of one endpoint, newest first
  await db.schema
    .createIndex("webhook_deliveries_endpoint_log_idx")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "created_at"])
    .execute();
  // scheduler / sweeps: open deliveries by due time
  await db.schema
    .createIndex("webhook_deliveries_due_idx")
    .on("webhook_deliveries")
    .columns(["next_attempt_at"])
    .where(sql.ref("status"), "in", ["pending", "failed"])
    .execute();
  // per-endpoint in-flight count
  await db.schema
    .createIndex("webhook_deliveries_in_flight_idx")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "in_flight_until"])
    .where("in_flight_until", "is not", null)
    .execute();

  await db.schema
    .createTable("webhook_attempts")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("delivery_id", "uuid", (c) =>
      c.notNull().references("webhook_deliveries.id").onDelete("cascade"),
    )
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("attempted_at", "timestamptz", (c) => c.notNull())
    .addColumn("succeeded", "boolean", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("latency_ms", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("response_snippet", "text", (c) =>
      c.check(sql`response_snippet is null or octet_length(response_snippet) <= 1024`),
    )
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("webhook_attempts_delivery_idx")
    .on("webhook_attempts")
    .columns(["delivery_id", "attempted_at"])
    .execute();
}
