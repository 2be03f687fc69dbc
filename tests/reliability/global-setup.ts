import type { TestProject } from "vitest/node";
import { ensureProductionBuild } from "../../scripts/production-build";
import setupPostgres from "../setup/global-setup";

/**
 * The main suite's Postgres (one cluster, a migrated template database cloned per test file),
 * plus a production build for the tests that run `server.ts` as a real process: made here when
 * missing, stale (a file under app/ is newer) or a development build left by `npm run dev`.
 */
export default async function setup(project: TestProject) {
  ensureProductionBuild({ log: (line) => console.log(line) });
  return setupPostgres(project);
}
