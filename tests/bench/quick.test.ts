import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * CI proof that `npm run bench` still runs end to end: BENCH_QUICK=1 uses tiny sizes and about a
 * second of load per phase (the figures mean nothing; the full run is for that). It must start the
 * whole stack, run every phase, print the table and write its report, then clean up.
 */
describe("npm run bench (quick mode)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rekomi-bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs every phase and writes the report", async () => {
    const out = path.join(dir, "benchmarks.md");
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts"], {
          env: { ...process.env, BENCH_QUICK: "1", BENCH_OUT: out },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (c: Buffer) => (output += c.toString()));
        child.stderr.on("data", (c: Buffer) => (output += c.toString()));
        child.on("exit", (code) => resolve({ code, output }));
      },
    );
    expect(code, output.slice(-4000)).toBe(0);
    const report = readFileSync(out, "utf8");
    for (const section of ["1. Intake", "2. Attribution", "3. Redirect", "4. API", "5. Export"]) {
      expect(report).toContain(`| ${section} |`);
    }
    expect(report).toMatch(/Machine: .+ cores .+ GiB RAM · Node v\d+/);
    expect(report).toMatch(/commit `[0-9a-f]{7,}`|commit `unknown`/);
    expect(output).toContain("| Benchmark | Metric | Target |");
  }, 120_000);
});
