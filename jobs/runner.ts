import { run, type Runner, type TaskList } from "graphile-worker";
import type pg from "pg";
import { quietLogger } from "../app/db/db.server";

export interface WorkerHandle {
  runner: Runner;
  /** Stop taking jobs, let running ones finish, and wait for runner.promise. */
  stop(): Promise<void>;
}

export async function startWorker(opts: {
  pgPool: pg.Pool;
  taskList: TaskList;
  concurrency: number;
  pollInterval?: number;
}): Promise<WorkerHandle> {
  const runner = await run({
    pgPool: opts.pgPool,
    taskList: opts.taskList,
    concurrency: opts.concurrency,
    pollInterval: opts.pollInterval ?? 1000,
    noHandleSignals: true,
    logger: quietLogger,
  });
  let stopping: Promise<void> | undefined;
  return {
    runner,
    stop() {
      stopping ??= (async () => {
        await runner.stop();
        await runner.promise;
      })();
      return stopping;
    },
  };
}
