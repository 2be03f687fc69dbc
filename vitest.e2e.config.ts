import path from "node:path";
import { defineConfig } from "vitest/config";

/** Browser tests (`npm run test:e2e`): production build + Chromium; run after `npm run build`. */
export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    include: ["tests/e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
