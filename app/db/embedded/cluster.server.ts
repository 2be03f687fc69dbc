import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PostgresBinaries } from "./binaries.server";
import { EmbeddedPostgresError, type RunAs } from "./os-user.server";

/**
 * One PostgreSQL server process for a data directory: `initdb` once, then `postgres` until
 * stop(). Nothing here touches the Node process's exit code or signal handlers: the owner calls
 * stop(). If Node exits without doing so, an `exit` hook sends the server SIGINT (fast shutdown)
 * so that no postmaster is left behind.
 */
export interface ClusterOptions {
  bins: PostgresBinaries;
  dir: string;
  port: number;
  user: string;
  password: string;
  runAs: RunAs | undefined;
  flags: string[];
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGINT");
  });
}

function ids(runAs: RunAs | undefined) {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

/** Keeps the last lines a child printed, for error messages. */
function tail(child: ChildProcess, lines: string[]): void {
  const push = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
}

export async function initdb(opts: ClusterOptions, initdbFlags: string[]): Promise<void> {
  if (existsSync(path.join(opts.dir, "PG_VERSION"))) return;
  const pwDir = mkdtempSync(path.join(os.tmpdir(), "rekomi-pw-"));
  const pwFile = path.join(pwDir, "pw");
  writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
  if (opts.runAs) {
    chownSync(pwDir, opts.runAs.uid, opts.runAs.gid);
    chownSync(pwFile, opts.runAs.uid, opts.runAs.gid);
  }
  try {
    const lines: string[] = [];
    const child = spawn(
      opts.bins.initdb,
      [
        `--pgdata=${opts.dir}`,
        "--auth=password",
        `--username=${opts.user}`,
        `--pwfile=${pwFile}`,
        ...initdbFlags,
      ],
      { ...ids(opts.runAs), cwd: opts.dir, env: { ...process.env, LC_MESSAGES: "C" } },
    );
    tail(child, lines);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    }).catch((error: Error) => {
      throw new EmbeddedPostgresError(`could not run initdb: ${error.message}`);
    });
    if (code !== 0) {
      throw new EmbeddedPostgresError(
        `initdb failed (exit ${code}): ${lines.slice(-5).join(" | ")}`,
      );
    }
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

/** Start the server; resolves once it accepts connections, with a stop() that waits for exit. */
export async function startServer(opts: ClusterOptions): Promise<{ stop(): Promise<void> }> {
  installExitHook();
  const lines: string[] = [];
  const child = spawn(
    opts.bins.postgres,
    ["-D", opts.dir, "-p", String(opts.port), ...opts.flags],
    {
      ...ids(opts.runAs),
      cwd: opts.dir,
      env: { ...process.env, LC_MESSAGES: "C" },
    },
  );
  tail(child, lines);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  void exited.then(() => running.delete(child));

  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (chunk.toString("utf8").includes("ready to accept connections")) {
        child.stderr?.off("data", onData);
        resolve();
      }
    };
    child.stderr?.on("data", onData);
    child.once("error", (error) =>
      reject(new EmbeddedPostgresError(`could not run postgres: ${error.message}`)),
    );
    void exited.then(() =>
      reject(
        new EmbeddedPostgresError(
          `postgres exited during start-up (port ${opts.port}, data ${opts.dir}): ${lines.slice(-5).join(" | ")}`,
        ),
      ),
    );
  });

  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}
