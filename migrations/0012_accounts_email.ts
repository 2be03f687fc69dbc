import { sql, type Kysely } from "kysely";

/**
 * Accounts you can trust (issue 14): verified email, single-use emailed links (stored hashed),
 * the email outbox, affiliate invitations, notification preferences, and a login-attempt row
 * that is written before the password is compared (`succeeded` is null while the check runs).
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("email_verified_at", "timestamptz").execute();

  await db.schema
    .alterTable("login_attempts")
    .alterColumn("succeeded", (c) => c.dropNotNull())
    .execute();
  await db.schema
    .createIndex("login_attempts_ip_idx")
    .on("login_attempts")
    .columns(["ip", "created_at"])
    .execute();

  await db.schema.alterTable("affiliates").addColumn("invited_at", "timestamptz").execute();

  await db.schema
    .createTable("account_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("purpose", "text", (c) =>
      c
        .notNull()
        .check(
          sql`purpose in ('verify_email','reset_password','change_email','affiliate_invite','team_invite')`,
        ),
    )
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("email", "text", (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("brand_id", "uuid", (c) => c.references("brands.id").onDelete("cascade"))
    .addColumn("affiliate_id", "uuid", (c) => c.references("affiliates.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.check(sql`role in ('owner','member')`))
    .addColumn("invited_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("account_tokens_user_idx")
    .on("account_tokens")
    .columns(["user_id", "purpose", "created_at"])
    .execute();
  await db.schema
    .createIndex("account_tokens_brand_idx")
    .on("account_tokens")
    .columns(["brand_id", "purpose"])
    .where(sql.ref("used_at"), "is", null)
    .execute();

  await db.schema
    .createTable("email_outbox")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("to_email", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    // Bodies can hold a single-use link: they are cleared once the message is sent.
    .addColumn("text_body", "text")
    .addColumn("html_body", "text")
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("brand_id", "uuid", (c) => c.references("brands.id").onDelete("cascade"))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("sent_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("email_outbox_unsent_idx")
    .on("email_outbox")
    .column("created_at")
    .where(sql.ref("sent_at"), "is", null)
    .execute();

  await db.schema
    .createTable("notification_preferences")
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("enabled", "boolean", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("notification_preferences_pkey", ["user_id", "kind"])
    .execute();
}
