/**
 * Real processes for the fault tests: `jobs/main.ts` (the worker) and `server.ts` (the web
 * process, production build), started like `npm run worker` / `npm start` with an explicit env.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

export const TEST_ENCRYPTION_KEY = "0".repeat(64);
export const TEST_SESSION_SECRET = "test-session-secret-that-is-long-enough-0123456789";

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Every output line so far. */
  lines: string[];
  /** Resolves when a line matches (rejects when the process exits first or on timeout). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function baseEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // vitest's own variables must not leak into the app (NODE_ENV=test etc.).
  for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
  return {
    ...env,
    NODE_ENV: "production",
    SESSION_SECRET: TEST_SESSION_SECRET,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    STRIPE_MODE: "live",
    ALLOW_PRIVATE_WEBHOOK_URLS: "1",
    WORKER_CONCURRENCY: "4",
    ...overrides,
  };
}

export function startProc(name: string, script: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const push = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `${name}: no line matching ${pattern} in ${timeoutMs} ms\n${lines.slice(-30).join("\n")}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(
            new Error(
              `${name} exited (${code ?? signal}) before printing ${pattern}\n${lines.slice(-30).join("\n")}`,
            ),
          );
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill(signal);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function startWorkerProc(env: NodeJS.ProcessEnv, name = "worker"): Proc {
  return startProc(name, "jobs/main.ts", env);
}

export async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  stepMs = 100,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Figures for docs/reliability.md: each test file writes its own JSON under test-results/reliability. */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  const dir = path.resolve("test-results/reliability");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `${name}.json`),
    JSON.stringify({ recordedAt: new Date().toISOString(), ...figures }, null, 2),
  );
}
