import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The production bundle in build/ that `server.ts` serves, made when missing or unfit.
 *
 * `npm run dev` leaves a *development* build in the same folder (its React calls `jsxDEV`, which
 * the production runtime lacks), so "build/index.js exists" is not enough: the bench and the
 * reliability suite check the build's own `mode` export and its age against app/ before they
 * start the production server on it.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SERVER_BUILD = path.join(ROOT, "build", "index.js");

/** Why build/ cannot be served as production, or null when it can. */
export function productionBuildProblem(): string | null {
  if (!existsSync(SERVER_BUILD)) return "no build/index.js";
  if (!readFileSync(SERVER_BUILD, "utf8").includes('mode = "production"')) {
    return "build/index.js is not a production build (npm run dev leaves a development build)";
  }
  const built = statSync(SERVER_BUILD).mtimeMs;
  if (newestMtime(path.join(ROOT, "app")) > built) return "app/ changed after the last build";
  return null;
}

/**
 * Rebuild build/ with `remix build` (NODE_ENV=production) unless it already fits. Callers that
 * run at the same time (the bench's quick test and a reliability run in one `npm test`) take
 * turns through a lock folder, and the second finds the first one's build fit.
 */
export function ensureProductionBuild(
  opts: { force?: boolean; log?: (line: string) => void } = {},
) {
  if (!opts.force && !productionBuildProblem()) return;
  withBuildLock(() => {
    const problem = opts.force ? "a rebuild was asked for" : productionBuildProblem();
    if (!problem) return;
    opts.log?.(`building the production bundle (remix build): ${problem} ...`);
    execFileSync(
      process.execPath,
      [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"],
      {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
    const still = productionBuildProblem();
    if (still) throw new Error(`remix build did not produce a production build: ${still}`);
  });
}

const LOCK = path.join(ROOT, ".cache", "production-build.lock");
const STALE_LOCK_MS = 10 * 60_000;

function withBuildLock(fn: () => void): void {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}
