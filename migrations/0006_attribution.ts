import { sql, type Kysely } from "kysely";

/**
 * Attribution: customer bindings (referrals), conversions, the append-only commission ledger and
 * the caches the `stripe__process_event` job keeps so renewals and refunds need no Stripe calls.
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // A Stripe customer bound to the affiliate who first brought them (permanent).
  await db.schema
    .createTable("referrals")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("stripe_customer_id", "text", (c) => c.notNull())
    .addColumn("affiliate_id", "uuid", (c) =>
      c.notNull().references("affiliates.id").onDelete("cascade"),
    )
    .addColumn("campaign_id", "uuid", (c) =>
      c.notNull().references("campaigns.id").onDelete("cascade"),
    )
    .addColumn("method", "text", (c) => c.notNull().check(sql`method in ('link','coupon','s2s')`))
    .addColumn("affiliate_coupon_id", "uuid", (c) =>
      c.references("affiliate_coupons.id").onDelete("set null"),
    )
    .addColumn("click_id", "uuid", (c) => c.references("clicks.id").onDelete("set null"))
    // the code's own rate at binding time; keeps applying to renewals (null = campaign's rule)
    .addColumn("commission_rate_bps", "integer", (c) =>
      c.check(sql`commission_rate_bps between 0 and 10000`),
    )
    // the payment that made the binding: `in_...` or `cs_...`
    .addColumn("bound_payment_key", "text", (c) => c.notNull())
    .addColumn("bound_at", "timestamptz", (c) => c.notNull())
    // start of the binding's first paid period (recurring window); null until a paid payment
    .addColumn("anchor_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("referrals_brand_customer_key", ["brand_id", "stripe_customer_id"])
    .execute();
  await db.schema
    .createIndex("referrals_affiliate_idx")
    .on("referrals")
    .columns(["affiliate_id", "created_at"])
    .execute();

  await db.schema
    .createTable("conversions")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("campaign_id", "uuid", (c) => c.references("campaigns.id").onDelete("set null"))
    .addColumn("affiliate_id", "uuid", (c) => c.references("affiliates.id").onDelete("set null"))
    .addColumn("referral_id", "uuid", (c) => c.references("referrals.id").onDelete("set null"))
    .addColumn("attribution_method", "text", (c) =>
      c.notNull().check(sql`attribution_method in ('link','coupon','s2s')`),
    )
    .addColumn("affiliate_coupon_id", "uuid", (c) =>
      c.references("affiliate_coupons.id").onDelete("set null"),
    )
    .addColumn("coupon_code", "text")
    .addColumn("click_id", "uuid", (c) => c.references("clicks.id").onDelete("set null"))
    .addColumn("amount", "bigint", (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn("currency", "text", (c) => c.notNull().check(sql`currency ~ '^[a-z]{3}$'`))
    // the affiliate's net commission on this conversion (after clawbacks)
    .addColumn("commission_amount", "bigint", (c) => c.notNull().defaultTo(0))
    // the parent's net sub-affiliate override on this conversion (after clawbacks)
    .addColumn("override_amount", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("refunded_amount", "bigint", (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`refunded_amount >= 0`),
    )
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("approved")
        .check(sql`status in ('approved','partially_refunded','refunded')`),
    )
    .addColumn("stripe_customer_id", "text")
    .addColumn("stripe_invoice_id", "text")
    .addColumn("stripe_subscription_id", "text")
    .addColumn("stripe_checkout_session_id", "text")
    .addColumn("stripe_payment_intent_id", "text")
    .addColumn("stripe_charge_id", "text")
    .addColumn("external_id", "text")
    .addColumn("decision", "jsonb", (c) => c.notNull())
    // CommissionTerms snapshot (null when nobody was credited)
    .addColumn("terms", "jsonb")
    .addColumn("redemption_counted", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("period_start", "timestamptz", (c) => c.notNull())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("conversions_brand_invoice_key", ["brand_id", "stripe_invoice_id"])
    .addUniqueConstraint("conversions_brand_session_key", [
      "brand_id",
      "stripe_checkout_session_id",
    ])
    .addUniqueConstraint("conversions_brand_external_key", ["brand_id", "external_id"])
    .addCheckConstraint(
      "conversions_one_source",
      sql`(external_id is null) <> (stripe_invoice_id is null and stripe_checkout_session_id is null)`,
    )
    .execute();
  await sql`create index conversions_brand_created_idx on conversions (brand_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index conversions_affiliate_idx on conversions (brand_id, affiliate_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index conversions_status_idx on conversions (brand_id, status, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index conversions_method_idx on conversions (brand_id, attribution_method, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index conversions_payment_intent_idx on conversions (brand_id, stripe_payment_intent_id) where stripe_payment_intent_id is not null`.execute(
    db,
  );

  // Append-only ledger: balances are sums. Rows are never updated.
  await db.schema
    .createTable("commission_entries")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("conversion_id", "uuid", (c) =>
      c.notNull().references("conversions.id").onDelete("cascade"),
    )
    .addColumn("affiliate_id", "uuid", (c) =>
      c.notNull().references("affiliates.id").onDelete("cascade"),
    )
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind in ('commission','override','clawback','override_clawback')`),
    )
    .addColumn("amount", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull().check(sql`currency ~ '^[a-z]{3}$'`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "commission_entries_sign",
      sql`(kind in ('commission','override') and amount > 0) or (kind in ('clawback','override_clawback') and amount < 0)`,
    )
    .execute();
  await db.schema
    .createIndex("commission_entries_conversion_idx")
    .on("commission_entries")
    .column("conversion_id")
    .execute();
  await db.schema
    .createIndex("commission_entries_affiliate_idx")
    .on("commission_entries")
    .columns(["brand_id", "affiliate_id", "currency"])
    .execute();
  await sql`create function commission_entries_append_only() returns trigger language plpgsql as $$
    begin raise exception 'commission_entries is append-only'; end $$`.execute(db);
  await sql`create trigger commission_entries_no_update before update on commission_entries
    for each row execute function commission_entries_append_only()`.execute(db);

  // What Rekomi learned about a Stripe customer's payments (see app/services/attribution/history.ts).
  await db.schema
    .createTable("stripe_customers")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("stripe_customer_id", "text", (c) => c.notNull())
    .addColumn("payments", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("click_ref", "text")
    // every payment made before this moment is in `payments` (null: never listed from Stripe)
    .addColumn("scanned_through", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("stripe_customers_pkey", ["brand_id", "stripe_customer_id"])
    .execute();

  // Discount ids (`di_...`) cannot be fetched alone: remember their promotion code.
  await db.schema
    .createTable("stripe_discounts")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("discount_id", "text", (c) => c.notNull())
    .addColumn("promotion_code_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("stripe_discounts_pkey", ["brand_id", "discount_id"])
    .execute();

  // Subscription -> its signals at creation (codes stop appearing once a coupon ends).
  await db.schema
    .createTable("stripe_subscriptions")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("subscription_id", "text", (c) => c.notNull())
    .addColumn("stripe_customer_id", "text", (c) => c.notNull())
    .addColumn("promotion_code_ids", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("click_ref", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("stripe_subscriptions_pkey", ["brand_id", "subscription_id"])
    .execute();

  // Payment intent -> the invoice it paid (from invoice_payment.paid or one lookup).
  await db.schema
    .createTable("stripe_payment_intents")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("payment_intent_id", "text", (c) => c.notNull())
    .addColumn("invoice_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("stripe_payment_intents_pkey", ["brand_id", "payment_intent_id"])
    .execute();
  await db.schema
    .createIndex("stripe_payment_intents_invoice_idx")
    .on("stripe_payment_intents")
    .columns(["brand_id", "invoice_id"])
    .execute();

  // A refund whose conversion is not recorded yet: the largest cumulative figure seen.
  await db.schema
    .createTable("pending_refunds")
    .addColumn("brand_id", "uuid", (c) => c.notNull().references("brands.id").onDelete("cascade"))
    .addColumn("payment_intent_id", "text", (c) => c.notNull())
    .addColumn("charge_id", "text", (c) => c.notNull())
    .addColumn("charge_amount", "bigint", (c) => c.notNull().check(sql`charge_amount >= 0`))
    .addColumn("amount_refunded", "bigint", (c) => c.notNull().check(sql`amount_refunded >= 0`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("pending_refunds_pkey", ["brand_id", "payment_intent_id"])
    .execute();
}
