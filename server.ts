/**
 * The web process. `npm run dev` (via `remix dev --manual`) and `npm start` both run this file.
 * - Database: DATABASE_URL, or an embedded PostgreSQL under DATA_DIR when unset.
 * - Applies pending migrations at start (the migrator's lock makes concurrent starts safe).
 * - Development only: runs the job worker in-process and seeds the demo data on an empty database.
 *   In production run `npm run worker` as its own process.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import url from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { broadcastDevReady, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { csrfResolver } from "./app/auth/csrf-cookie.server";
import { loadConfigOrExit } from "./app/config.server";
import { onShutdown, openRuntime } from "./app/runtime.server";
import { securityHeaders } from "./app/security-headers.server";
import { hotPathListener } from "./app/http/hot-paths.server";
import { connectBrandsToEmulator } from "./app/services/dev/dev-stripe.server";
import { seedDemoIfEmpty } from "./app/services/dev/seed.server";
import { startWorker, type WorkerHandle } from "./jobs/runner";
import { makeTaskList } from "./jobs/tasks/index";

const config = loadConfigOrExit();
const isDev = !config.isProduction;
/** Set by `remix dev`: we are under the dev server and should live-reload new builds. */
const underRemixDev = Boolean(process.env.REMIX_DEV_ORIGIN);
const BUILD_PATH = path.resolve("build/index.js");

if (!fs.existsSync(BUILD_PATH)) {
  console.error("No build found at build/index.js. Run `npm run build` first (or `npm run dev`).");
  process.exit(1);
}

const runtime = await openRuntime(config, { log: (l) => console.log(l) });

// Development with STRIPE_MODE=emulator (the dev default): run the local Stripe emulator in this
// process and send every Stripe SDK call there. Never loaded in production.
let stripeEmulator: { url: string; close(): Promise<void> } | undefined;
if (isDev && config.stripeMode === "emulator" && !config.stripeApiBase) {
  const { startStripeEmulator } = await import("./tools/stripe-emulator/index");
  const preferred = Number(process.env.STRIPE_EMULATOR_PORT ?? "12111");
  stripeEmulator = await startStripeEmulator({ port: preferred }).catch(() =>
    startStripeEmulator({ port: 0 }),
  );
  config.stripeApiBase = stripeEmulator.url;
  console.log(`Stripe emulator running at ${stripeEmulator.url} (STRIPE_MODE=emulator)`);
}

// Development without SMTP_URL: a real SMTP server in this process catches every email; the
// `/dev/mail` page shows them. Never in production.
let devSmtp: { url: string; close(): Promise<void> } | undefined;
if (isDev && !config.smtpUrl) {
  const { startDevSmtp } = await import("./app/mail/dev-mailbox.server");
  const preferred = Number(process.env.DEV_SMTP_PORT ?? "2525");
  devSmtp = await startDevSmtp({ dataDir: config.dataDir, port: preferred }).catch(() =>
    startDevSmtp({ dataDir: config.dataDir, port: 0 }),
  );
  config.smtpUrl = devSmtp.url;
  console.log(`Dev SMTP server at ${devSmtp.url}; emails at ${config.appUrl}/dev/mail`);
}
if (!config.smtpUrl) {
  console.warn("SMTP_URL is not set: emails stay queued in the outbox until it is.");
}

let worker: WorkerHandle | undefined;
if (isDev) {
  worker = await startWorker({
    pgPool: runtime.pool,
    taskList: makeTaskList({ db: runtime.db, config }),
    concurrency: config.workerConcurrency,
  });
  const seeded = await seedDemoIfEmpty(runtime.db, config);
  if (seeded) {
    console.log("\nDemo data seeded. Log in at " + config.appUrl + "/login with:");
    for (const login of seeded.logins) {
      console.log(`  ${login.role.padEnd(10)} ${login.email}  /  ${login.password}`);
    }
    console.log("");
  }
  if (stripeEmulator) {
    for (const line of await connectBrandsToEmulator(runtime.db, config)) console.log(line);
  }
}

async function importBuild(): Promise<ServerBuild> {
  const stat = fs.statSync(BUILD_PATH);
  return (await import(url.pathToFileURL(BUILD_PATH).href + "?t=" + stat.mtimeMs)) as ServerBuild;
}
let build = await importBuild();

const app = express();
app.disable("x-powered-by");
const compress = compression();
app.use(compress);
const security = securityHeaders({
  appUrl: config.appUrl,
  devOrigin: process.env.REMIX_DEV_ORIGIN,
});
app.use(security);
app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));

// Every browser gets a CSRF token cookie bound to its session; forms echo it back
// (app/auth/csrf-cookie.server.ts). Paths that never render forms (referral redirects, Stripe
// intake, the bearer-token API) get none.
const NO_CSRF = /^\/(r|webhooks|api\/v1)\//;
const resolveCsrf = csrfResolver(config);
app.use((req, res, next) => {
  if (NO_CSRF.test(req.path)) {
    res.locals.csrfToken = "";
    return next();
  }
  resolveCsrf(req.headers.cookie).then((csrf) => {
    if (csrf.setCookie) res.append("Set-Cookie", csrf.setCookie);
    // This very request's actions see the checked token (and only it).
    req.headers.cookie = csrf.cookieHeader;
    res.locals.csrfToken = csrf.token;
    next();
  }, next);
});

const getLoadContext = (req: express.Request, res: express.Response): AppLoadContext => ({
  db: runtime.db,
  config,
  clientIp: req.socket.remoteAddress ?? "unknown",
  csrfToken: String(res.locals.csrfToken),
});

app.all(
  "*",
  isDev
    ? (req, res, next) =>
        createRequestHandler({ build, mode: "development", getLoadContext })(req, res, next)
    : createRequestHandler({ build, mode: "production", getLoadContext }),
);

// GET|HEAD /r/:code and POST /webhooks/stripe/:brandId are answered in front of express and Remix
// (same implementation and bytes as their Remix routes, through the same compression and
// security-header middleware; issue 9): app/http/hot-paths.server.ts. Source modules, so under
// `remix dev` edits to them need a restart.
const listener = hotPathListener(app, { db: runtime.db, config, compression: compress, security });
const server = http.createServer(listener).listen(config.port, () => {
  console.log(`Rekomi is running at ${config.appUrl} (port ${config.port})`);
  if (underRemixDev) void broadcastDevReady(build);
});

if (underRemixDev) {
  // `remix dev --manual` rebuilds into build/; pick the new build up without restarting Postgres.
  const versionFile = path.resolve("build/version.txt");
  let last = fs.existsSync(versionFile) ? fs.statSync(versionFile).mtimeMs : 0;
  fs.watchFile(versionFile, { interval: 300 }, async (curr) => {
    if (curr.mtimeMs === last) return;
    last = curr.mtimeMs;
    build = await importBuild();
    await broadcastDevReady(build);
  });
}

onShutdown(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await worker?.stop();
  await stripeEmulator?.close();
  await devSmtp?.close();
  await runtime.close();
});
