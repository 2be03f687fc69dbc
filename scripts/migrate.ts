/** `npm run migrate`: apply pending migrations (Kysely + graphile-worker) and exit. */
import { loadConfigOrExit } from "../app/config.server";
import { openRuntime } from "../app/runtime.server";

const config = loadConfigOrExit();
const runtime = await openRuntime(config, { log: (l) => console.log(l) });
console.log("Database is up to date.");
await runtime.close();
