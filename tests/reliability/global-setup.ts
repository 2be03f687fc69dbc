import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import setupPostgres from "../setup/global-setup";

/**
 * The main suite's Postgres (one cluster, a migrated template database cloned per test file),
 * plus a production build for the tests that run `server.ts` as a real process: CI builds before
 * testing; elsewhere a missing build is made here once.
 */
export default async function setup(project: TestProject) {
  const buildIndex = path.resolve("build/index.js");
  if (!existsSync(buildIndex) || statSync(buildIndex).size === 0) {
    execFileSync(process.execPath, [path.resolve("node_modules/@remix-run/dev/dist/cli.js"), "build"], {
      stdio: "inherit",
    });
  }
  return setupPostgres(project);
}
