/**
 * graphile-worker with no-op tasks, run as its own process exactly like `jobs/main.ts` (same
 * runner, same pool size, same concurrency and poll interval): the job-queue ceiling for the
 * attribution drain and its end-to-end latency.
 *   bench__noop         does nothing
 *   bench__noop_notify  one autocommitted `pg_notify('bench_noop', i)`, so a listener sees when
 *                       the job ran
 */
import { createPool } from "../app/db/db.server";
import { startWorker } from "../jobs/runner";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? "5");
const pool = createPool(url, 10);
const worker = await startWorker({
  pgPool: pool,
  concurrency,
  taskList: {
    bench__noop: async () => {},
    bench__noop_notify: async (payload, helpers) => {
      const i = (payload as { i?: number }).i ?? -1;
      await helpers.query("select pg_notify('bench_noop', $1)", [String(i)]);
    },
  },
});
console.log(`noop worker running (concurrency ${concurrency})`);
const stop = async () => {
  await worker.stop();
  await pool.end();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
