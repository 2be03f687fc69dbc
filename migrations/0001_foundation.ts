import { sql, type Kysely } from "kysely";

/**
 * Foundation schema: brands, users, membership, sessions, login attempts, campaigns, affiliates,
 * enrollments. Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pgcrypto`.execute(db);

  await db.schema
    .createTable("brands")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("plan", "text", (c) =>
      c
        .notNull()
        .defaultTo("starter")
        .check(sql`plan in ('starter','growth','scale')`),
    )
    .addColumn("trial_ends_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("email", "text", (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("users_email_key").on("users").column("email").unique().execute();

  await db.schema
    .createTable("brand_members")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('owner','member')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("brand_members_pkey", ["brand_id", "user_id"])
    .execute();
  await db.schema
    .createIndex("brand_members_user_idx")
    .on("brand_members")
    .column("user_id")
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("login_attempts")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("succeeded", "boolean", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("login_attempts_lookup_idx")
    .on("login_attempts")
    .columns(["email", "ip", "created_at"])
    .execute();

  await db.schema
    .createTable("campaigns")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("destination_url", "text", (c) => c.notNull())
    .addColumn("commission_type", "text", (c) =>
      c.notNull().check(sql`commission_type in ('percent','flat')`),
    )
    .addColumn("commission_percent_bps", "integer", (c) =>
      c.check(sql`commission_percent_bps between 0 and 10000`),
    )
    .addColumn("commission_amount", "integer", (c) => c.check(sql`commission_amount >= 0`))
    .addColumn("commission_currency", "text", (c) =>
      c.check(sql`commission_currency ~ '^[a-z]{3}$'`),
    )
    .addColumn("recurring_months", "integer", (c) => c.check(sql`recurring_months >= 0`))
    .addColumn("sub_affiliate_override_bps", "integer", (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`sub_affiliate_override_bps between 0 and 10000`),
    )
    .addColumn("cookie_window_days", "integer", (c) =>
      c
        .notNull()
        .defaultTo(30)
        .check(sql`cookie_window_days between 1 and 365`),
    )
    .addColumn("auto_approve", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "campaigns_commission_shape",
      sql`(commission_type = 'percent' and commission_percent_bps is not null)
       or (commission_type = 'flat' and commission_amount is not null and commission_currency is not null)`,
    )
    .execute();
  await db.schema
    .createIndex("campaigns_brand_idx")
    .on("campaigns")
    .columns(["brand_id", "created_at"])
    .execute();

  await db.schema
    .createTable("affiliates")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("email", "text", (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending','approved','rejected','suspended')`),
    )
    .addColumn("parent_affiliate_id", "uuid", (c) =>
      c.references("affiliates.id").onDelete("set null"),
    )
    .addColumn("recruit_code", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("affiliates_brand_email_key", ["brand_id", "email"])
    .execute();
  await db.schema.createIndex("affiliates_user_idx").on("affiliates").column("user_id").execute();
  await db.schema
    .createIndex("affiliates_brand_created_idx")
    .on("affiliates")
    .columns(["brand_id", "created_at"])
    .execute();

  await db.schema
    .createTable("enrollments")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("campaign_id", "uuid", (c) =>
      c.notNull().references("campaigns.id").onDelete("cascade"),
    )
    .addColumn("affiliate_id", "uuid", (c) =>
      c.notNull().references("affiliates.id").onDelete("cascade"),
    )
    .addColumn("link_code", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("enrollments_campaign_affiliate_key", ["campaign_id", "affiliate_id"])
    .execute();
  await db.schema
    .createIndex("enrollments_affiliate_idx")
    .on("enrollments")
    .column("affiliate_id")
    .execute();
}
