import { sql, type Kysely } from "kysely";

/**
 * `rekomi_store_stripe_events` (migration 0011) no longer spells the processing job itself: the
 * application gives, per event, the row id to insert with, the job key and the job payload
 * (`processJobKey` and the payload schema in app/db/job-registry.ts), so the key is defined in one
 * place. The task id was already a parameter. Everything else is unchanged: one statement per
 * batch, events stored only while the connection still has the secret they were verified with,
 * one `graphile_worker.add_jobs` job per new pending row.
 * Caller: app/services/stripe-events/store-events.server.ts.
 *
 * The new function is an overload (its arguments differ): 0011's version is kept so processes
 * still running the previous release keep storing events during a rolling deploy; a later
 * migration drops it (`drop function rekomi_store_stripe_events(uuid[], text[], text[], boolean[],
 * text[], timestamptz[], text[], text[], text[], text[], boolean[], text)`).
 *
 * Frozen in time: never import application code here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function rekomi_store_stripe_events(
      p_ids uuid[], p_brand_ids uuid[], p_event_ids text[], p_types text[], p_livemodes boolean[],
      p_api_versions text[], p_created_ats timestamptz[], p_payloads text[], p_statuses text[],
      p_errors text[], p_secret_ciphers text[], p_connection_livemodes boolean[], p_task text,
      p_job_keys text[], p_job_payloads json[]
    ) returns table (r_ord int, r_connected boolean, r_inserted_id uuid, r_inserted_status text,
                     r_existing_id uuid, r_existing_status text)
    language plpgsql
    set plan_cache_mode = force_generic_plan
    as $fn$
    begin
      return query
        with input as (
          select * from unnest(p_ids, p_brand_ids, p_event_ids, p_types, p_livemodes, p_api_versions,
                               p_created_ats, p_payloads, p_statuses, p_errors, p_secret_ciphers,
                               p_connection_livemodes, p_job_keys, p_job_payloads)
            with ordinality as t(id, brand_id, stripe_event_id, type, livemode, api_version,
                                 stripe_created_at, payload, status, error, secret_cipher,
                                 connection_livemode, job_key, job_payload, ord)
        ),
        valid as (
          select i.* from input i
          join stripe_connections c on c.brand_id = i.brand_id
            and c.webhook_secret_encrypted = i.secret_cipher and c.livemode = i.connection_livemode
        ),
        ins as (
          insert into stripe_events as se (id, brand_id, stripe_event_id, type, livemode, api_version,
                                           stripe_created_at, payload, status, error)
          select v.id, v.brand_id, v.stripe_event_id, v.type, v.livemode, v.api_version,
                 v.stripe_created_at, v.payload::jsonb, v.status, v.error
          from valid v
          -- one lock order for every batch, so concurrent batches cannot deadlock
          order by v.brand_id, v.stripe_event_id
          on conflict (brand_id, stripe_event_id) do nothing
          returning se.id, se.brand_id, se.stripe_event_id, se.status
        ),
        jobs as (
          select count(*)::int as n
          from (
            select array_agg(row(
              p_task, v.job_payload, null, null, null, v.job_key, null, null
            )::graphile_worker.job_spec order by ins.id) as specs
            from ins join valid v on v.id = ins.id
            where ins.status = 'pending'
            having count(*) > 0
          ) s
          cross join lateral graphile_worker.add_jobs(s.specs) j
        )
        select i.ord::int, v.ord is not null, ins.id, ins.status, ex.id, ex.status
        from input i
        cross join jobs
        left join valid v on v.ord = i.ord
        left join ins on ins.brand_id = i.brand_id and ins.stripe_event_id = i.stripe_event_id
        left join stripe_events ex on ins.id is null and v.ord is not null
          and ex.brand_id = i.brand_id and ex.stripe_event_id = i.stripe_event_id
        order by i.ord;
    end
    $fn$`.execute(db);
}
