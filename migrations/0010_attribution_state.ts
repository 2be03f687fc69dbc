import { sql, type Kysely } from "kysely";

/**
 * The attribution job's per-payment state read (issue 9) as a PL/pgSQL function, so that its plan
 * is made once per connection and reused: Kysely sends unnamed statements, which PostgreSQL
 * plans on every execution, and planning this six-table read cost ~0.6 ms against ~0.1 ms to
 * execute it (EXPLAIN ANALYZE on the benchmark machine); the job reads it twice per event.
 * `force_generic_plan`: every lookup is by a unique key, so the generic plan is the right one.
 *
 * rekomi_attribution_state(brand, invoice id | null, session id | null, customer id | null,
 * payment intent | null, subscription id | null) returns ONE row: the payment's conversion id,
 * the customer's `stripe_customers` row, its referral (+ the bound affiliate's status), the
 * payment intent (the given one, else the one linked to the invoice), a pending refund for it,
 * and the stored signals of the subscription. Caller: app/services/attribution/engine.ts.
 *
 * Frozen in time: never import application code here. To change the function, replace it in a
 * new migration (create or replace function).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function rekomi_attribution_state(
      p_brand uuid, p_invoice text, p_session text, p_customer text, p_pi text, p_subscription text
    ) returns table (
      conversion_id uuid, has_customer boolean, payments jsonb, click_ref text, scanned_through timestamptz,
      r_id uuid, r_stripe_customer_id text, r_affiliate_id uuid, r_campaign_id uuid, r_method text,
      r_affiliate_coupon_id uuid, r_click_id uuid, r_commission_rate_bps integer, r_bound_payment_key text,
      r_bound_at timestamptz, r_anchor_at timestamptz, r_created_at timestamptz, r_affiliate_status text,
      pi text, pr_charge_id text, pr_charge_amount bigint, pr_amount_refunded bigint,
      sub_found boolean, sub_promotion_code_ids jsonb, sub_click_ref text
    )
    language plpgsql stable
    set plan_cache_mode = force_generic_plan
    as $fn$
    #variable_conflict use_column
    begin
      return query
        select coalesce(
                 (select c.id from conversions c
                   where p_invoice is not null and c.brand_id = p_brand and c.stripe_invoice_id = p_invoice),
                 (select c.id from conversions c
                   where p_session is not null and c.brand_id = p_brand and c.stripe_checkout_session_id = p_session)),
               s.stripe_customer_id is not null, s.payments, s.click_ref, s.scanned_through,
               r.id, r.stripe_customer_id, r.affiliate_id, r.campaign_id, r.method, r.affiliate_coupon_id, r.click_id,
               r.commission_rate_bps, r.bound_payment_key, r.bound_at, r.anchor_at, r.created_at, a.status,
               one.pi, pr.charge_id, pr.charge_amount, pr.amount_refunded,
               ss.subscription_id is not null, ss.promotion_code_ids, ss.click_ref
          from (select coalesce(p_pi,
                  (select l.payment_intent_id from stripe_payment_intents l
                    where p_pi is null and p_invoice is not null and l.brand_id = p_brand and l.invoice_id = p_invoice
                    limit 1)) as pi) as one
          left join stripe_customers s on s.brand_id = p_brand and s.stripe_customer_id = p_customer
          left join referrals r on r.brand_id = p_brand and r.stripe_customer_id = p_customer
          left join affiliates a on a.id = r.affiliate_id and a.brand_id = p_brand
          left join pending_refunds pr on pr.brand_id = p_brand and pr.payment_intent_id = one.pi
          left join stripe_subscriptions ss on ss.brand_id = p_brand and ss.subscription_id = p_subscription;
    end
    $fn$`.execute(db);
}
