import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * `npm run test:reliability` (docs/reliability.md): worker crashes, Postgres restarts, receiver
 * outages, fuzzing, the tenant matrix and security checks. Sizes have CI defaults; the env knobs
 * (RELIABILITY_EVENTS, RELIABILITY_FUZZ_RUNS, ...) raise them to the documented full run.
 */
export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  esbuild: { jsx: "automatic" },
  test: {
    include: ["tests/reliability/**/*.test.ts"],
    globalSetup: ["tests/reliability/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
    env: { NODE_ENV: "test" },
  },
});
