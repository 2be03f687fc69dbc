import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addJob } from "../../app/db/jobs.server";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

describe("graphile-worker and transactions", () => {
  let t: TestDatabase;
  let worker: WorkerHandle;
  const ran: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    worker = await startWorker({
      pgPool: t.pool,
      concurrency: 2,
      pollInterval: 100,
      taskList: {
        probe: async (payload) => {
          ran.push((payload as { label: string }).label);
        },
      },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await t.drop();
  });

  async function waitFor(predicate: () => boolean, ms = 5000) {
    const start = Date.now();
    while (!predicate()) {
      if (Date.now() - start > ms) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("runs a job added inside a transaction only after commit", async () => {
    let visibleBeforeCommit = -1;
    await t.db.transaction().execute(async (trx) => {
      await addJob(trx, "probe", { label: "committed" });
      await new Promise((r) => setTimeout(r, 400));
      // Another connection cannot see the job yet, so no worker can have run it.
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db);
      visibleBeforeCommit = rows[0].n;
      expect(ran).not.toContain("committed");
    });
    expect(visibleBeforeCommit).toBe(0);
    await waitFor(() => ran.includes("committed"));
    expect(ran.filter((l) => l === "committed")).toHaveLength(1);
  });

  it("never runs a job added inside a transaction that rolls back", async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await addJob(trx, "probe", { label: "rolled-back" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    // Prove the worker is alive and has caught up: a later job runs, the rolled-back one never does.
    await addJob(t.db, "probe", { label: "after" });
    await waitFor(() => ran.includes("after"));
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).not.toContain("rolled-back");
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db);
    expect(rows[0].n).toBe(0);
  });
});
