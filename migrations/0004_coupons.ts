import { sql, type Kysely } from "kysely";

/**
 * Campaign coupons (one Stripe coupon each) and affiliate codes (one Stripe promotion code each).
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("campaign_coupons")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("campaign_id", "uuid", (c) =>
      c.notNull().references("campaigns.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("discount_type", "text", (c) =>
      c.notNull().check(sql`discount_type in ('percent','amount')`),
    )
    // percent_off in basis points (20% = 2000; Stripe allows two decimals)
    .addColumn("percent_off_bps", "integer", (c) =>
      c.check(sql`percent_off_bps > 0 and percent_off_bps <= 10000`),
    )
    .addColumn("amount_off", "integer", (c) => c.check(sql`amount_off > 0`))
    .addColumn("currency", "text", (c) => c.check(sql`currency ~ '^[a-z]{3}$'`))
    .addColumn("duration", "text", (c) =>
      c.notNull().check(sql`duration in ('once','repeating','forever')`),
    )
    .addColumn("duration_in_months", "integer", (c) => c.check(sql`duration_in_months > 0`))
    .addColumn("max_redemptions", "integer", (c) => c.check(sql`max_redemptions > 0`))
    .addColumn("redeem_by", "timestamptz")
    .addColumn("overrides_click_attribution", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("allow_affiliate_self_service", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("stripe_coupon_id", "text")
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(true))
    // why it stopped working, e.g. 'deleted' (by the brand) or 'deleted_in_stripe'
    .addColumn("inactive_reason", "text")
    .addColumn("deleted_at", "timestamptz")
    .addColumn("stripe_deleted_at", "timestamptz")
    .addColumn("stripe_sync_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "campaign_coupons_discount_shape",
      sql`(discount_type = 'percent' and percent_off_bps is not null and amount_off is null)
       or (discount_type = 'amount' and amount_off is not null and currency is not null and percent_off_bps is null)`,
    )
    .addCheckConstraint(
      "campaign_coupons_duration_shape",
      sql`(duration = 'repeating') = (duration_in_months is not null)`,
    )
    .execute();
  await db.schema
    .createIndex("campaign_coupons_campaign_idx")
    .on("campaign_coupons")
    .columns(["brand_id", "campaign_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("campaign_coupons_stripe_idx")
    .on("campaign_coupons")
    .columns(["brand_id", "stripe_coupon_id"])
    .unique()
    .execute();

  await db.schema
    .createTable("affiliate_coupons")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("affiliate_id", "uuid", (c) =>
      c.notNull().references("affiliates.id").onDelete("cascade"),
    )
    .addColumn("campaign_coupon_id", "uuid", (c) =>
      c.notNull().references("campaign_coupons.id").onDelete("cascade"),
    )
    .addColumn("campaign_id", "uuid", (c) =>
      c.notNull().references("campaigns.id").onDelete("cascade"),
    )
    .addColumn("code", "text", (c) => c.notNull().check(sql`code ~ '^[A-Z0-9_-]{3,32}$'`))
    .addColumn("stripe_promotion_code_id", "text")
    .addColumn("max_redemptions", "integer", (c) => c.check(sql`max_redemptions > 0`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("redemption_count", "integer", (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`redemption_count >= 0`),
    )
    // per-code commission rate overriding the campaign's (basis points)
    .addColumn("commission_rate_bps", "integer", (c) =>
      c.check(sql`commission_rate_bps between 0 and 10000`),
    )
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(true))
    // 'deactivated' (by brand/affiliate), 'deactivated_in_stripe', 'coupon_deleted', 'deleted'
    .addColumn("inactive_reason", "text")
    .addColumn("created_by", "text", (c) =>
      c.notNull().check(sql`created_by in ('brand','affiliate','api')`),
    )
    .addColumn("deleted_at", "timestamptz")
    .addColumn("stripe_sync_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A code is unique within a brand among non-deleted codes.
  await sql`create unique index affiliate_coupons_brand_code_key on affiliate_coupons (brand_id, code) where deleted_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex("affiliate_coupons_promo_idx")
    .on("affiliate_coupons")
    .columns(["brand_id", "stripe_promotion_code_id"])
    .unique()
    .execute();
  await db.schema
    .createIndex("affiliate_coupons_affiliate_idx")
    .on("affiliate_coupons")
    .columns(["affiliate_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("affiliate_coupons_campaign_coupon_idx")
    .on("affiliate_coupons")
    .column("campaign_coupon_id")
    .execute();
}
