import { EventEmitter } from "node:events";
import { run, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import { quietLogger } from "../app/db/db.server";
import {
  DEFAULT_RECOVERY_GRACE_MS,
  DEFAULT_RECOVERY_INTERVAL_MS,
  recoverDeadWorkerJobs,
  WorkerLiveness,
} from "./recovery";

export interface WorkerHandle {
  /** The current graphile-worker runner (replaced when it has to be restarted). */
  readonly runner: Runner;
  /** Stop taking jobs, let running ones finish, and wait for runner.promise. */
  stop(): Promise<void>;
}

/**
 * Run graphile-worker with crash recovery (jobs/recovery.ts, docs/reliability.md):
 * - at start and every `recovery.intervalMs`, jobs locked by workers that are not alive any more
 *   (killed processes) are handed back instead of waiting graphile-worker's 4 hours;
 * - graphile-worker 0.16 ends a worker for good when it cannot record a job's outcome (Postgres
 *   restarting) and never replaces it; when that happens the runner is restarted here, so the
 *   process never lingers without workers.
 */
export async function startWorker(opts: {
  pgPool: pg.Pool;
  taskList: TaskList;
  concurrency: number;
  pollInterval?: number;
  /** Crash recovery: sweep period and the minimum age of a lock it may release. */
  recovery?: { intervalMs?: number; graceMs?: number };
}): Promise<WorkerHandle> {
  const log = (m: string) => console.error(`[worker] ${m}`);
  const graceMs = opts.recovery?.graceMs ?? DEFAULT_RECOVERY_GRACE_MS;
  const intervalMs = opts.recovery?.intervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS;

  // Liveness first, so every worker id of this process is locked as soon as it is created.
  const liveness = WorkerLiveness.forPool(opts.pgPool, log);
  await liveness.start();
  const events = new EventEmitter() as WorkerEvents;
  events.on("worker:create", ({ worker }) => liveness.register(worker.workerId));

  // Hand back the jobs of workers that died (SIGKILL, OOM, lost machine) before taking new ones.
  const sweep = async () => {
    try {
      const r = await recoverDeadWorkerJobs(opts.pgPool, { graceMs });
      if (r.jobs > 0)
        log(`recovered ${r.jobs} job(s) locked by dead worker(s) ${r.workerIds.join(", ")}`);
    } catch (error) {
      log(`job recovery sweep failed: ${errorMessage(error)}`);
    }
  };
  await sweep();

  const startRunner = () =>
    run({
      pgPool: opts.pgPool,
      taskList: opts.taskList,
      concurrency: opts.concurrency,
      pollInterval: opts.pollInterval ?? 1000,
      noHandleSignals: true,
      logger: quietLogger,
      events,
    });
  let runner = await startRunner();
  let stopping = false;
  let restarting: Promise<void> | undefined;

  const restart = async () => {
    const old = runner;
    await old
      .stop()
      .catch((error: unknown) => log(`stopping the broken runner: ${errorMessage(error)}`));
    await old.promise.catch(() => {});
    for (let attempt = 0; !stopping; attempt++) {
      try {
        runner = await startRunner();
        log("job runner restarted");
        return;
      } catch (error) {
        log(`restarting the job runner failed (retrying): ${errorMessage(error)}`);
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 10_000)));
      }
    }
  };
  events.on("worker:stop", ({ worker, error }) => {
    if (!error || stopping) return;
    liveness.unregister(worker.workerId);
    log(
      `worker ${worker.workerId} ended after an error (${errorMessage(error)}); restarting the job runner`,
    );
    restarting ??= restart().finally(() => {
      restarting = undefined;
    });
  });

  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    get runner() {
      return runner;
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(timer);
        await restarting;
        await runner.stop();
        await runner.promise;
        await liveness.close();
      })();
      return stopped;
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
