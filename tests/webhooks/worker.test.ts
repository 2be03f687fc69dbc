import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishWebhookEvent } from "../../app/services/webhooks/webhook-messages.server";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { webhookTasks } from "../../jobs/tasks/webhooks";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  deliveriesOf,
  makeBrand,
  makeEndpoint,
  privateConfig,
  Receiver,
  verifiedBy,
} from "./helpers";

describe("webhook delivery through a real graphile-worker", () => {
  let t: TestDatabase;
  let worker: WorkerHandle;
  let hanging: Receiver;
  let healthy: Receiver;

  beforeAll(async () => {
    t = await createTestDatabase();
    hanging = await new Receiver().start();
    hanging.fallback = { kind: "hang" };
    healthy = await new Receiver().start();
    worker = await startWorker({
      pgPool: t.pool,
      concurrency: 4,
      pollInterval: 100,
      taskList: webhookTasks({
        db: t.db,
        config: privateConfig,
        delivery: { timeoutMs: 4000, busyRetryMs: 200 },
      }),
    });
  });
  afterAll(async () => {
    await worker.stop();
    await hanging.stop();
    await healthy.stop();
    await t.drop();
  });

  async function waitFor<T>(probe: () => Promise<T | null | false>, ms: number): Promise<T> {
    const start = Date.now();
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() - start > ms) throw new Error("timed out waiting");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("a hanging endpoint does not delay another endpoint's deliveries", async () => {
    const brandId = await makeBrand(t.db);
    // the hanging endpoint is created first, so its jobs are ahead in the queue
    const dead = await makeEndpoint(t.db, brandId, hanging.url());
    const live = await makeEndpoint(t.db, brandId, healthy.url());
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { messageId } = await t.db.transaction().execute((trx) =>
        publishWebhookEvent(trx, {
          brandId,
          type: "conversion.created",
          data: { id: `cv_${i}` },
        }),
      );
      ids.push(messageId);
    }
    await waitFor(async () => {
      const rows = await deliveriesOf(t.db, live.id);
      return rows.length === 6 && rows.every((r) => r.status === "succeeded");
    }, 3000);
    const elapsed = Date.now() - started;
    // well inside the hanging endpoint's 4 s timeout: nothing waited behind it
    expect(elapsed).toBeLessThan(3000);
    expect(healthy.received.map((r) => r.headers["webhook-id"]).sort()).toEqual([...ids].sort());
    for (const r of healthy.received) expect(verifiedBy(live.secret, r)).toBe(true);
    // the dead endpoint held at most its share of workers
    expect(hanging.received.length).toBeGreaterThan(0);
    expect(hanging.received.length).toBeLessThanOrEqual(2);
    expect((await deliveriesOf(t.db, dead.id)).every((d) => d.status === "pending")).toBe(true);

    // once its requests time out, the dead endpoint's deliveries are logged and rescheduled
    await waitFor(async () => {
      const rows = await deliveriesOf(t.db, dead.id);
      return rows.some((r) => r.status === "failed");
    }, 8000);
  });
});
