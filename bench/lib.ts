/**
 * Benchmark plumbing: latency statistics, an open-model (fixed arrival rate) load generator, a
 * closed-model capacity run (autocannon), child processes that are always cleaned up, RSS
 * sampling, and machine facts for the report.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import autocannon from "autocannon";

// ---------------------------------------------------------------------------------------------
// Statistics

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samples: readonly number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  const arr = Array.from(s);
  const mean = arr.length ? arr.reduce((a, b) => a + b, 0) / arr.length : NaN;
  return {
    count: arr.length,
    p50: percentile(arr, 50),
    p95: percentile(arr, 95),
    p99: percentile(arr, 99),
    max: arr.length ? arr[arr.length - 1] : NaN,
    mean,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll `check` until it returns true (or throw after `timeoutMs`). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (await check()) return;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Open-model load: requests are issued at fixed intended times (start + i / rate) whether or not
// earlier ones have answered, and each latency is measured from its INTENDED start, so a stalled
// server (or a stalled generator) shows up in the tail instead of silently lowering the rate.

export interface OpenRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface OpenLoadResult {
  offeredRate: number;
  sent: number;
  completed: number;
  /** Completed requests per second over the run (including the tail of answers after the last send). */
  achievedRate: number;
  errors: number;
  status: Record<string, number>;
  latency: LatencySummary;
  /** Latencies in ms, in completion order. */
  samples: number[];
  /** Latency of request i (NaN when it failed), for per-kind splits. */
  byIndex: number[];
}

export async function openLoad(opts: {
  port: number;
  rate: number;
  durationMs: number;
  request: (i: number) => OpenRequest;
  /** Called with each response (index, status, body) — e.g. to check a redirect. */
  check?: (i: number, status: number, body: string, headers: http.IncomingHttpHeaders) => boolean;
  timeoutMs?: number;
  maxSockets?: number;
  /** Requests in flight beyond this are not sent and count as errors (the server is saturated). */
  maxInflight?: number;
  /** After the last send, how long to wait for answers before abandoning the rest (errors). */
  graceMs?: number;
}): Promise<OpenLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 512 });
  const total = Math.max(1, Math.round((opts.rate * opts.durationMs) / 1000));
  const samples: number[] = [];
  const byIndex: number[] = new Array<number>(total).fill(NaN);
  const status: Record<string, number> = {};
  let errors = 0;
  let completed = 0;
  let sent = 0;
  const start = performance.now();
  const interval = 1000 / opts.rate;
  let lastEnd = start;
  const timeoutMs = opts.timeoutMs ?? 30_000;

  const fire = (i: number, intended: number) =>
    new Promise<void>((resolve) => {
      const r = opts.request(i);
      const req = http.request(
        {
          host: "127.0.0.1",
          port: opts.port,
          method: r.method,
          path: r.path,
          headers:
            r.body !== undefined
              ? { ...r.headers, "Content-Length": String(Buffer.byteLength(r.body)) }
              : r.headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const end = performance.now();
            lastEnd = Math.max(lastEnd, end);
            const code = res.statusCode ?? 0;
            const ok = opts.check
              ? opts.check(i, code, Buffer.concat(chunks).toString("utf8"), res.headers)
              : code < 400;
            status[code] = (status[code] ?? 0) + 1;
            if (!ok) errors++;
            samples.push(end - intended);
            if (ok) byIndex[i] = end - intended;
            completed++;
            resolve();
          });
          res.on("error", () => {
            errors++;
            resolve();
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors++;
        status.error = (status.error ?? 0) + 1;
        resolve();
      });
      if (r.body !== undefined) req.end(r.body);
      else req.end();
    });

  const inflight: Promise<void>[] = [];
  const maxInflight = opts.maxInflight ?? 512;
  let open = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Issue every request whose intended time has come.
      while (sent < total && start + sent * interval <= now) {
        if (open >= maxInflight) {
          errors++;
          status.dropped = (status.dropped ?? 0) + 1;
        } else {
          open++;
          inflight.push(fire(sent, start + sent * interval).finally(() => open--));
        }
        sent++;
      }
      if (sent >= total) return resolve();
      const next = start + sent * interval - performance.now();
      if (next > 1) setTimeout(tick, Math.min(next - 0.5, 20));
      else setImmediate(tick);
    };
    tick();
  });
  const grace = opts.graceMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const abandoned = await Promise.race([
    Promise.all(inflight).then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), grace))),
  ]);
  clearTimeout(timer);
  if (abandoned) {
    status.abandoned = open;
    agent.destroy();
    await Promise.all(inflight);
  }
  agent.destroy();
  const elapsed = (lastEnd - start) / 1000;
  return {
    offeredRate: opts.rate,
    sent,
    completed,
    achievedRate: completed / Math.max(elapsed, 1e-9),
    errors,
    status,
    latency: summarize(samples),
    samples,
    byIndex,
  };
}

// ---------------------------------------------------------------------------------------------
// Closed-model capacity (autocannon): N connections, each sending its next request as soon as the
// previous one answered. Gives the maximum sustainable throughput.

export interface CapacityResult {
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number; max: number };
  connections: number;
  durationS: number;
}

export async function capacity(opts: {
  port: number;
  connections: number;
  durationS: number;
  requests: autocannon.Request[];
  /** Count 3xx as success (redirects). */
  expect3xx?: boolean;
}): Promise<CapacityResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${opts.port}`,
    connections: opts.connections,
    duration: opts.durationS,
    requests: opts.requests,
    timeout: 30,
  });
  const ok = opts.expect3xx ? result["3xx"] : result["2xx"];
  const bad = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"] - ok;
  return {
    rps: ok / opts.durationS,
    total: ok,
    non2xx: bad,
    errors: result.errors + result.timeouts,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    connections: opts.connections,
    durationS: opts.durationS,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes: tracked so that any exit (normal, error, Ctrl-C) stops them.

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

const exitCleanups: (() => void)[] = [];

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Synchronous cleanup that also runs on any exit, even one that cut the async cleanup short. */
export function onExitSync(fn: () => void): void {
  exitCleanups.push(fn);
  cleanups.push(fn);
}

let cleaning: Promise<void> | undefined;
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c)));
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error("[bench] cleanup failed:", error instanceof Error ? error.message : error);
      }
    }
  })();
  return cleaning;
}

let handlersInstalled = false;
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // `on`, not `once`: tsx relays a signal to this process a second time, and a process with no
  // listener left would exit before the cleanup finished.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (cleaning) return;
      console.error(`\n[bench] ${signal}: stopping children and removing temp files ...`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  // Last resort on a synchronous exit: kill whatever is still running.
  process.once("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const fn of exitCleanups) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
  });
  // While shutting down, a pg client losing its server is expected, not a crash.
  process.on("uncaughtException", (error) => {
    if (cleaning && /terminating connection|Connection terminated/i.test(error.message)) return;
    console.error("[bench] uncaught:", error);
    void cleanupAll().finally(() => process.exit(1));
  });
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  logs: string[];
  stop(): Promise<void>;
}

export function spawnNode(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { quiet?: boolean } = {},
): Child {
  const proc = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(proc);
  const logs: string[] = [];
  const push = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      logs.push(`[${name}] ${line}`);
      if (logs.length > 400) logs.shift();
      if (!opts.quiet && /error|warn/i.test(line)) console.error(`[${name}] ${line}`);
    }
  };
  proc.stdout?.on("data", push);
  proc.stderr?.on("data", push);
  proc.once("exit", () => children.delete(proc));
  return { proc, pid: proc.pid ?? -1, logs, stop: () => stopChild(proc) };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child);
      return resolve();
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function waitForHttp(url: string, timeoutMs: number, child?: Child): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (child && child.proc.exitCode !== null) {
      throw new Error(
        `process exited (${child.proc.exitCode}) before answering ${url}\n${child.logs.slice(-30).join("\n")}`,
      );
    }
    try {
      const res = await fetch(url, { redirect: "manual" });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `no answer at ${url} within ${timeoutMs} ms\n${child?.logs.slice(-30).join("\n") ?? ""}`,
      );
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory

/** VmRSS of a process in bytes (Linux /proc), or NaN when unavailable. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Sample a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(
  pid: number,
  everyMs = 20,
): { stop(): { peak: number; samples: number } } {
  let peak = rssOf(pid);
  let n = 1;
  const timer = setInterval(() => {
    const v = rssOf(pid);
    if (v > peak || Number.isNaN(peak)) peak = v;
    n++;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const v = rssOf(pid);
      if (v > peak) peak = v;
      return { peak, samples: n + 1 };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Machine facts

export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  date: string;
  commit: string;
  dirty: boolean;
  load: [number, number, number];
}

export function machineInfo(): MachineInfo {
  let commit = "unknown";
  let dirty = false;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim().length > 0;
  } catch {
    // not a git checkout
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (pretty) osName = `${pretty[1]} (${os.type()} ${os.release()})`;
  } catch {
    // keep the kernel name
  }
  const load = os.loadavg().map((v) => Math.round(v * 100) / 100) as [number, number, number];
  return {
    os: osName,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
    commit,
    dirty,
    load,
  };
}

export const fmt = {
  ms: (v: number) =>
    Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) : "–",
  rate: (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–"),
  ratio: (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–"),
  mb: (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 ** 2).toFixed(0) : "–"),
};

export function log(line: string): void {
  const t = new Date().toISOString().slice(11, 19);
  console.log(`[bench ${t}] ${line}`);
}
