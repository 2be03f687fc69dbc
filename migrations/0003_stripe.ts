import { sql, type Kysely } from "kysely";

/**
 * Stripe: one connection per brand (restricted key and webhook signing secret encrypted at rest)
 * and every webhook event received, unique per brand + Stripe event id. Frozen in time: never
 * import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("stripe_connections")
    .addColumn("brand_id", "uuid", (c) =>
      c.primaryKey().references("brands.id").onDelete("cascade"),
    )
    .addColumn("secret_key_encrypted", "text", (c) => c.notNull())
    .addColumn("webhook_secret_encrypted", "text", (c) => c.notNull())
    .addColumn("webhook_endpoint_id", "text", (c) => c.notNull())
    .addColumn("livemode", "boolean", (c) => c.notNull())
    .addColumn("key_display", "text", (c) => c.notNull())
    .addColumn("connected_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("stripe_events")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("stripe_event_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("livemode", "boolean", (c) => c.notNull())
    .addColumn("api_version", "text")
    .addColumn("stripe_created_at", "timestamptz")
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("pending")
        .check(sql`status in ('pending','processed','ignored','failed')`),
    )
    .addColumn("error", "text")
    .addColumn("attempts", "integer", (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`attempts >= 0`),
    )
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("processed_at", "timestamptz")
    .addUniqueConstraint("stripe_events_brand_event_key", ["brand_id", "stripe_event_id"])
    .execute();
  await sql`create index stripe_events_brand_received_idx on stripe_events (brand_id, received_at desc)`.execute(
    db,
  );
}
