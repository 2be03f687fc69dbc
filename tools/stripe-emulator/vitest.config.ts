// Standalone config for the emulator's tests (no database global setup needed):
//   npx vitest run --config tools/stripe-emulator/vitest.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: new URL("../..", import.meta.url).pathname,
  test: {
    include: ["tests/stripe-emulator/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
  },
});
