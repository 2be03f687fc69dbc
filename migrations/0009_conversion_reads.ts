import { sql, type Kysely } from "kysely";

/**
 * Reads over large conversion histories (issue 9):
 *
 * 1. `conversion_daily_totals`: per brand, UTC day of `created_at`, currency, attribution method
 *    and status, the number of conversions and the sums of amount, refunded amount and commission.
 *    Kept exact by statement-level triggers on `conversions` (insert, update, delete, truncate), so
 *    every writer (attribution, S2S, refunds, deletes cascading from brands/campaigns) keeps it
 *    right in its own transaction without knowing about it. A statement touching many rows makes
 *    one grouped upsert (keys in a fixed order, so two multi-row statements cannot deadlock on it).
 *    Rows that fall back to zero conversions are removed. The dashboard's totals and chart read it
 *    instead of summing the whole history.
 * 2. Two indexes for filters no existing index served: attribution method + status (API and
 *    dashboard), and the coupon code (dashboard "code" filter; partial: only coupon sales).
 *
 * The triggers are created before the backfill, inside the migration's transaction: creating a
 * trigger locks `conversions` against writes until commit, so no row is missed or counted twice.
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table conversion_daily_totals (
      brand_id uuid not null,
      day date not null,
      currency text not null,
      attribution_method text not null,
      status text not null,
      conversions bigint not null,
      amount bigint not null,
      refunded_amount bigint not null,
      commission_amount bigint not null,
      primary key (brand_id, day, currency, attribution_method, status)
    )`.execute(db);
  // No foreign key to brands on purpose: deleting a brand cascades to its conversions, whose
  // delete trigger brings every one of the brand's rows here to zero and removes it.

  const keys = sql.raw(
    `brand_id, (created_at at time zone 'UTC')::date, currency, attribution_method, status`,
  );
  const upsert =
    sql.raw(`on conflict (brand_id, day, currency, attribution_method, status) do update set
        conversions = t.conversions + excluded.conversions,
        amount = t.amount + excluded.amount,
        refunded_amount = t.refunded_amount + excluded.refunded_amount,
        commission_amount = t.commission_amount + excluded.commission_amount`);
  const columns = sql.raw(
    `brand_id, day, currency, attribution_method, status, conversions, amount, refunded_amount, commission_amount`,
  );
  await sql`
    create function conversion_daily_totals_apply() returns trigger language plpgsql as $fn$
    begin
      if tg_op = 'INSERT' then
        insert into conversion_daily_totals as t (${columns})
        select ${keys}, count(*), sum(amount), sum(refunded_amount), sum(commission_amount)
          from new_rows group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
        ${upsert};
        return null;
      end if;

      if tg_op = 'UPDATE' then
        insert into conversion_daily_totals as t (${columns})
        select b, d, cur, m, st, sum(n), sum(a), sum(r), sum(c)
          from (
            select ${keys}, -1 as n, -amount as a, -refunded_amount as r, -commission_amount as c from old_rows
            union all
            select ${keys}, 1, amount, refunded_amount, commission_amount from new_rows
          ) as delta (b, d, cur, m, st, n, a, r, c)
         group by 1, 2, 3, 4, 5
        having sum(n) <> 0 or sum(a) <> 0 or sum(r) <> 0 or sum(c) <> 0
         order by 1, 2, 3, 4, 5
        ${upsert};
      else -- DELETE
        insert into conversion_daily_totals as t (${columns})
        select ${keys}, -count(*), -sum(amount), -sum(refunded_amount), -sum(commission_amount)
          from old_rows group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
        ${upsert};
      end if;

      -- Only keys that lost rows can reach zero.
      delete from conversion_daily_totals t
       using (select distinct ${keys} from old_rows) as o (b, d, cur, m, st)
       where t.brand_id = o.b and t.day = o.d and t.currency = o.cur
         and t.attribution_method = o.m and t.status = o.st and t.conversions = 0;
      return null;
    end
    $fn$`.execute(db);
  await sql`
    create function conversion_daily_totals_truncate() returns trigger language plpgsql as $fn$
    begin
      truncate conversion_daily_totals;
      return null;
    end
    $fn$`.execute(db);

  await sql`create trigger conversion_daily_totals_ins after insert on conversions
    referencing new table as new_rows
    for each statement execute function conversion_daily_totals_apply()`.execute(db);
  await sql`create trigger conversion_daily_totals_upd after update on conversions
    referencing old table as old_rows new table as new_rows
    for each statement execute function conversion_daily_totals_apply()`.execute(db);
  await sql`create trigger conversion_daily_totals_del after delete on conversions
    referencing old table as old_rows
    for each statement execute function conversion_daily_totals_apply()`.execute(db);
  await sql`create trigger conversion_daily_totals_trunc after truncate on conversions
    for each statement execute function conversion_daily_totals_truncate()`.execute(db);

  // Backfill (the triggers above already hold the write lock on conversions).
  await sql`
    insert into conversion_daily_totals (${columns})
    select ${keys}, count(*), sum(amount), sum(refunded_amount), sum(commission_amount)
      from conversions group by 1, 2, 3, 4, 5`.execute(db);

  await sql`create index conversions_method_status_idx
    on conversions (brand_id, attribution_method, status, created_at desc, id desc)`.execute(db);
  await sql`create index conversions_coupon_code_idx
    on conversions (brand_id, coupon_code, created_at desc, id desc) where coupon_code is not null`.execute(
    db,
  );
}
