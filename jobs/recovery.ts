/**
 * Crash recovery for graphile-worker 0.16 (docs/reliability.md, "Worker crashes").
 *
 * A worker that dies without a graceful shutdown (SIGKILL, OOM, power loss) leaves its jobs with
 * `locked_by = <its worker id>`; graphile-worker 0.16 only treats such a lock as stale after 4 hours.
 * We recover them promptly and safely:
 *
 * - Liveness: every worker process keeps ONE dedicated Postgres session (not from the pool) that
 *   holds a session-level advisory lock per worker id of its pool (`worker-<hex>`, learnt from the
 *   `worker:create` event). Postgres releases session locks the moment that session ends, so a
 *   killed process's workers become "not alive" as soon as its socket closes.
 * - Sweep: at start, and then every `intervalMs`, each worker process looks at the distinct
 *   `locked_by` of locked jobs, tries `pg_try_advisory_xact_lock` on each; when it gets the lock
 *   nobody alive owns that worker id, so `graphile_worker.force_unlock_workers` hands its jobs back
 *   (attempts already counted). Only locks older than `graceMs` are considered: a brand-new worker
 *   takes its first job a few milliseconds before its liveness lock is registered.
 * - If the liveness session itself drops (e.g. Postgres restarts) it reconnects and re-takes the
 *   locks; a job unlocked in that window may run twice, which every task tolerates (idempotent).
 */
import pg from "pg";

export const LIVENESS_PREFIX = "rekomi.worker:";
export const DEFAULT_RECOVERY_GRACE_MS = 2_000;
export const DEFAULT_RECOVERY_INTERVAL_MS = 10_000;

const lockKey = (param: string) => `hashtextextended('${LIVENESS_PREFIX}' || ${param}, 0)`;

export interface RecoveryResult {
  /** Worker ids found dead whose jobs were unlocked. */
  workerIds: string[];
  /** Jobs handed back to the queue. */
  jobs: number;
}

/** Unlock the jobs of every worker id that no live process holds (locked more than graceMs ago). */
export async function recoverDeadWorkerJobs(
  pool: pg.Pool,
  opts: { graceMs?: number } = {},
): Promise<RecoveryResult> {
  const graceMs = opts.graceMs ?? DEFAULT_RECOVERY_GRACE_MS;
  const client = await pool.connect();
  try {
    await client.query("begin");
    const dead = await client.query<{ locked_by: string }>(
      `select locked_by from (
         select distinct locked_by from graphile_worker.jobs
         where locked_by is not null and locked_at < now() - make_interval(secs => $1::float8 / 1000)
       ) candidates
       where pg_try_advisory_xact_lock(${lockKey("locked_by")})`,
      [graceMs],
    );
    const workerIds = dead.rows.map((r) => r.locked_by);
    let jobs = 0;
    if (workerIds.length > 0) {
      const counted = await client.query<{ n: number }>(
        "select count(*)::int as n from graphile_worker.jobs where locked_by = any($1::text[])",
        [workerIds],
      );
      jobs = counted.rows[0]?.n ?? 0;
      await client.query("select graphile_worker.force_unlock_workers($1::text[])", [workerIds]);
    }
    await client.query("commit");
    return { workerIds, jobs };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The liveness session of one worker process: holds an advisory lock per registered worker id for
 * as long as the process lives; reconnects (and re-locks) after losing its connection.
 */
export class WorkerLiveness {
  private client: pg.Client | null = null;
  private readonly ids = new Set<string>();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  /** Queries on the liveness session run one after another (pg forbids overlapping queries). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly log: (message: string) => void = (m) => console.error(`[worker] ${m}`),
  ) {}

  static forPool(pool: pg.Pool, log?: (message: string) => void): WorkerLiveness {
    // pg.Pool keeps the options it was built with (connection string, ssl, ...).
    const { connectionString, host, port, user, password, database, ssl } = (
      pool as unknown as { options: pg.PoolConfig }
    ).options;
    return new WorkerLiveness({ connectionString, host, port, user, password, database, ssl }, log);
  }

  /** Connect and lock every id registered so far. */
  start(): Promise<void> {
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Mark a worker id alive (call from the `worker:create` event, synchronously). */
  register(workerId: string): void {
    this.ids.add(workerId);
    const client = this.client;
    if (client) {
      this.chain = this.chain
        .then(() => client.query(`select pg_advisory_lock(${lockKey("$1::text")})`, [workerId]))
        .catch((error: unknown) =>
          this.log(`liveness lock for ${workerId} failed: ${errorMessage(error)}`),
        );
    }
  }

  /**
   * A worker of ours is gone (graphile-worker 0.16 ends a worker that cannot record a job's outcome,
   * e.g. while Postgres restarts): stop vouching for it, so the sweep hands its job back.
   */
  unregister(workerId: string): void {
    this.ids.delete(workerId);
    const client = this.client;
    if (client) {
      this.chain = this.chain
        .then(async () => {
          // Session locks stack; release every level.
          for (;;) {
            const r = await client.query<{ ok: boolean }>(
              `select pg_advisory_unlock(${lockKey("$1::text")}) as ok`,
              [workerId],
            );
            if (!r.rows[0]?.ok) break;
          }
        })
        .catch((error: unknown) =>
          this.log(`liveness unlock for ${workerId} failed: ${errorMessage(error)}`),
        );
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.clientConfig);
    client.on("error", (error) => this.lost(client, error));
    try {
      await client.connect();
      await client.query("set application_name = 'rekomi-worker-liveness'");
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      // From here on register() locks new ids on this client too (a repeated lock is harmless).
      this.client = client;
      this.chain = Promise.resolve();
      for (const id of this.ids)
        await client.query(`select pg_advisory_lock(${lockKey("$1::text")})`, [id]);
    } catch (error) {
      if (this.client === client) this.client = null;
      await client.end().catch(() => {});
      this.log(`liveness connection failed (retrying): ${errorMessage(error)}`);
      this.scheduleReconnect();
    }
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.log(`liveness connection lost (reconnecting): ${error.message}`);
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.start();
    }, 1000);
    this.reconnectTimer.unref();
  }

  /** Release the locks (graceful stop: our workers have finished their jobs). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => {});
    await this.chain;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
