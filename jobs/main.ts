/**
 * `npm run worker`: the job runner alone (production scale-out: run as many as you like against
 * one Postgres). Applies pending migrations first; the migrator's lock makes that safe.
 */
import { loadConfigOrExit } from "../app/config.server";
import { onShutdown, openRuntime } from "../app/runtime.server";
import { startWorker } from "./runner";
import { makeTaskList } from "./tasks/index";

const config = loadConfigOrExit();
const runtime = await openRuntime(config, { log: (l) => console.log(l) });
const worker = await startWorker({
  pgPool: runtime.pool,
  taskList: makeTaskList({ db: runtime.db, config }),
  concurrency: config.workerConcurrency,
});
console.log(`Rekomi worker running (concurrency ${config.workerConcurrency}).`);
if (!config.smtpUrl)
  console.warn("SMTP_URL is not set: emails stay queued in the outbox until it is.");
onShutdown(async () => {
  await worker.stop();
  await runtime.close();
});
