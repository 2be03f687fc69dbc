import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import setupPostgres from "../setup/global-setup";

/**
 * The main suite's Postgres (one cluster, a migrated template database cloned per test file),
 * plus a production build for the tests that run `server.ts` as a real process: CI builds before
 * testing; elsewhere a missing or stale build (a file under app/ is newer) is made here.
 */
export default async function setup(project: TestProject) {
  const buildIndex = path.resolve("build/index.js");
  if (!existsSync(buildIndex) || newestMtime(path.resolve("app")) > statSync(buildIndex).mtimeMs) {
    execFileSync(
      process.execPath,
      [path.resolve("node_modules/@remix-run/dev/dist/cli.js"), "build"],
      {
        stdio: "inherit",
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
  }
  return setupPostgres(project);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}
