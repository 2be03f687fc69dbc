/**
 * One task of the task list: its payload parsed with the registry's schema
 * (app/db/job-registry.ts). A malformed payload can never succeed: it is logged and dropped
 * instead of retried for days. Errors of `run` throw, so graphile-worker retries with backoff.
 */
import type { JobHelpers } from "graphile-worker";
import type { z } from "zod";
import type { Config } from "../../app/config.server";
import type { DB } from "../../app/db/db.server";

/** What every task is given. */
export interface JobDeps {
  db: DB;
  config: Config;
}

/** A task as the task list holds it (the payload is checked here, so it arrives as unknown). */
export type ParsedTask = (payload: unknown, helpers: JobHelpers) => Promise<void>;

export function parsedTask<S extends z.ZodType>(
  id: string,
  schema: S,
  run: (payload: z.output<S>) => Promise<void>,
): ParsedTask {
  return async (payload, helpers) => {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      helpers.logger.error(`${id}: invalid payload ${JSON.stringify(payload)}`);
      return;
    }
    await run(parsed.data);
  };
}
