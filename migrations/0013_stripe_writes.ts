import { sql, type Kysely } from "kysely";

/**
 * Writes that need Stripe (issue 15, docs/decisions/0007-stripe-writes.md): a row is reserved as
 * `pending_stripe` in a short transaction, Stripe is called outside any transaction with the row id
 * as idempotency key, and the outcome recorded (`synced`). A row left `pending_stripe` (timeout,
 * 5xx, crash) is settled by the `stripe__settle` job or the brand reconciliation.
 *
 * - stripe_status on campaign_coupons and affiliate_coupons;
 * - max_codes_per_affiliate on campaign_coupons (self-service codes per affiliate, default 5);
 * - partial indexes for the settle sweep.
 *
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ["campaign_coupons", "affiliate_coupons"]) {
    await db.schema
      .alterTable(table)
      .addColumn("stripe_status", "text", (c) =>
        c
          .notNull()
          .defaultTo("synced")
          .check(sql`stripe_status in ('pending_stripe', 'synced')`),
      )
      .execute();
    await sql`create index ${sql.id(`${table}_pending_stripe_idx`)} on ${sql.table(table)} (brand_id) where stripe_status = 'pending_stripe'`.execute(
      db,
    );
  }
  await db.schema
    .alterTable("campaign_coupons")
    .addColumn("max_codes_per_affiliate", "integer", (c) =>
      c
        .notNull()
        .defaultTo(5)
        .check(sql`max_codes_per_affiliate between 1 and 1000`),
    )
    .execute();
}
