import { execFileSync, spawnSync } from "node:child_process";

/**
 * PostgreSQL refuses to run as root. When Rekomi runs as root (the usual case in a container),
 * the embedded cluster runs as the unprivileged `postgres` system user instead; this module finds
 * (or creates) that user and answers "can that user reach this path?".
 */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

const PG_USER = "postgres";

function lookup(name: string): RunAs | undefined {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
}

/** The user to run PostgreSQL as: undefined when not root (run as ourselves). */
export function postgresRunAs(): RunAs | undefined {
  if (!isRoot()) return undefined;
  const existing = lookup(PG_USER);
  if (existing) return existing;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", PG_USER], {
      stdio: "pipe",
    });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `running as root, and there is no '${PG_USER}' user to run PostgreSQL as (useradd failed: ${firstLine(error)}). Create one (useradd --system --user-group ${PG_USER}) or set DATABASE_URL.`,
    );
  }
  const created = lookup(PG_USER);
  if (!created)
    throw new EmbeddedPostgresError(`useradd ${PG_USER} succeeded but the user is not found.`);
  return created;
}

/** True when `user` may open the path with the given access (`-x` traverse/run, `-w` write). */
export function canReach(
  user: RunAs | undefined,
  target: string,
  test: "-x" | "-r" | "-w",
): boolean {
  const result = spawnSync("/bin/sh", ["-c", 'test "$0" "$1"', test, target], {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    cwd: "/",
    stdio: "ignore",
  });
  return result.status === 0;
}

/** A failure with one clear sentence for the person starting Rekomi (no stack trace needed). */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(`Embedded PostgreSQL: ${message}`);
    this.name = "EmbeddedPostgresError";
  }
}

function firstLine(error: unknown): string {
  const err = error as { stderr?: Buffer; message?: string };
  return (err.stderr?.toString() || err.message || String(error)).trim().split("\n")[0] ?? "";
}
