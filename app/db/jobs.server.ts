import { sql, type Kysely } from "kysely";
import type { Database } from "./schema";

export interface AddJobOptions {
  /** Dedupe key: a job with the same key that has not started yet is replaced, not duplicated. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  queueName?: string;
  /** graphile-worker's job_key_mode: `replace` (default), `preserve_run_at` or `unsafe_dedupe`. */
  jobKeyMode?: "replace" | "preserve_run_at" | "unsafe_dedupe";
}

/**
 * Enqueue a graphile-worker job through SQL, inside whatever transaction `db` is. The job becomes
 * visible to workers only when that transaction commits, and vanishes if it rolls back.
 */
export async function addJob(
  db: Kysely<Database>,
  task: string,
  payload: unknown,
  opts: AddJobOptions = {},
): Promise<void> {
  await sql`select graphile_worker.add_job(
    identifier => ${task}::text,
    payload => ${JSON.stringify(payload ?? {})}::json,
    queue_name => ${opts.queueName ?? null}::text,
    run_at => ${opts.runAt ?? null}::timestamptz,
    max_attempts => ${opts.maxAttempts ?? null}::int,
    job_key => ${opts.jobKey ?? null}::text,
    job_key_mode => ${opts.jobKeyMode ?? "replace"}::text
  )`.execute(db);
}
