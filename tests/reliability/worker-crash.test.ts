/**
 * RELIABILITY 1 — worker crashes. Random purchase stories (several brands, the acceptance test's
 * generator) produce N Stripe events; they arrive through the real intake route (signed,
 * duplicated, shuffled across brands) while a real worker process (`jobs/main.ts`) is SIGKILLed
 * over and over and restarted. Afterwards every event is processed once, each brand's ledger equals
 * the reference model, and no conversion exists twice. Jobs a killed worker had locked are handed
 * back at the next start (jobs/recovery.ts), not after graphile-worker's 4 hours.
 *
 * Knobs: RELIABILITY_EVENTS (default 1200; the documented run uses 5000), RELIABILITY_SEED.
 */
import { sql } from "kysely";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addJob } from "../../app/db/jobs.server";
import { loadWebhookSecret } from "../../app/services/stripe-account/stripe-connection.server";
import { PROCESS_STRIPE_EVENT_TASK } from "../../app/db/job-registry";
import { recoverDeadWorkerJobs } from "../../jobs/recovery";
import { startWorker } from "../../jobs/runner";
import { AttributionWorld, rng, shuffle } from "../attribution/harness";
import { testContext } from "../helpers/context";
import { callIntake, sign, webhookRequest } from "../stripe/helpers";
import { baseEnv, recordFigures, startWorkerProc, waitUntil, type Proc } from "./procs";
import {
  compareWithModel,
  duplicateConversions,
  playStory,
  type Story,
} from "../support/purchase-story";

const EVENTS = Number(process.env.RELIABILITY_EVENTS ?? 1200);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const OPS_PER_BRAND = 200;

let w: AttributionWorld;
const procs: Proc[] = [];

beforeAll(async () => {
  w = await AttributionWorld.start();
});
afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL");
  await w?.close();
});

function workerEnv(): NodeJS.ProcessEnv {
  return baseEnv({
    DATABASE_URL: w.t.url,
    APP_URL: "http://127.0.0.1:9",
    STRIPE_API_BASE: w.emu.url,
    WORKER_CONCURRENCY: "4",
  });
}

async function queueState() {
  const { rows } = await sql<{ pending: number; failed: number; jobs: number; locked: number }>`
    select (select count(*)::int from stripe_events where status not in ('processed','ignored')) as pending,
           (select count(*)::int from stripe_events where status = 'failed') as failed,
           (select count(*)::int from graphile_worker.jobs) as jobs,
           (select count(*)::int from graphile_worker.jobs where locked_by is not null) as locked`.execute(
    w.db,
  );
  return rows[0];
}

describe("worker crashes", () => {
  it("a job locked by a dead worker is run again promptly at the next start", async () => {
    const b = await w.brand("Dead worker");
    const story = await playStory(b, SEED ^ 0x5a5a, 2, Math.floor(Date.now() / 1000) - 30 * 86_400);
    const secret = (await loadWebhookSecret(w.db, w.config, b.id))!.webhookSecret;
    const ctx = testContext(w.db, { config: w.config });
    // Store the events without a worker, then make their jobs look taken by a worker that died.
    for (const e of story.events) {
      const body = JSON.stringify(e);
      const res = await callIntake(
        ctx,
        b.id,
        webhookRequest(b.id, body, { "Stripe-Signature": sign(body, secret) }),
      );
      expect(res.status).toBe(200);
    }
    const locked = await sql<{ n: number }>`
      update graphile_worker._private_jobs set locked_by = 'worker-deadbeefdeadbeef00', locked_at = now() - interval '1 minute'
      where id in (select id from graphile_worker.jobs where task_identifier = ${PROCESS_STRIPE_EVENT_TASK})
      returning 1 as n`.execute(w.db);
    expect(locked.rows.length).toBe(story.events.length);

    const started = Date.now();
    const p = startWorkerProc(workerEnv(), "worker-recover");
    procs.push(p);
    await p.waitForLine(/Rekomi worker running/);
    await waitUntil(
      async () => (await queueState()).jobs === 0,
      20_000,
      "the dead worker's jobs to run",
    );
    const seconds = (Date.now() - started) / 1000;
    await p.kill("SIGTERM");
    expect(
      p.lines.some((l) =>
        /recovered \d+ job\(s\) locked by dead worker\(s\) worker-deadbeef/.test(l),
      ),
    ).toBe(true);
    expect(seconds).toBeLessThan(20);
    expect((await compareWithModel(story)).mismatches).toEqual([]);
  });

  it("never releases the jobs of a worker that is alive", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const alive = await startWorker({
      pgPool: w.t.pool,
      concurrency: 1,
      pollInterval: 100,
      taskList: {
        reliability__slow: async () => {
          // stands for any long job (a slow Stripe call, a hanging webhook receiver)
          runs++;
          await gate;
        },
      },
      recovery: { graceMs: 100, intervalMs: 200 },
    });
    try {
      await addJob(w.db, "reliability__slow", {});
      await waitUntil(async () => (await queueState()).locked === 1, 5000, "the job to be taken");
      await new Promise((r) => setTimeout(r, 600)); // older than the grace, several sweeps later
      const sweep = await recoverDeadWorkerJobs(w.t.pool, { graceMs: 100 });
      expect(sweep).toEqual({ workerIds: [], jobs: 0 });
      expect((await queueState()).locked).toBe(1);
      expect(runs).toBe(1);
    } finally {
      release();
      await alive.stop();
    }
    expect((await queueState()).jobs).toBe(0);
    expect(runs).toBe(1);
  });

  it(
    `processes ${EVENTS} events exactly once while the worker is SIGKILLed again and again`,
    { timeout: 420_000 },
    async () => {
      console.log(`[worker-crash] RELIABILITY_SEED=${SEED} RELIABILITY_EVENTS=${EVENTS}`);
      const t0 = Date.now();
      // ---- stories (simulated time, ending well before now)
      const stories: Story[] = [];
      let total = 0;
      const startAt = Math.floor(Date.now() / 1000) - 330 * 86_400;
      for (let i = 0; total < EVENTS; i++) {
        const b = await w.brand(`Crash ${i}`);
        const ops = Math.max(
          10,
          Math.min(OPS_PER_BRAND, Math.ceil(((EVENTS - total) / 2.6) * 1.05)),
        );
        const story = await playStory(b, (SEED + i * 7919) >>> 0, ops, startAt);
        stories.push(story);
        total += story.events.length;
      }
      const storyMs = Date.now() - t0;

      // ---- deliveries: every event 1-3 times, shuffled across brands
      const random = rng(SEED);
      const secrets = new Map<string, string>();
      for (const s of stories)
        secrets.set(
          s.brand.id,
          (await loadWebhookSecret(w.db, w.config, s.brand.id))!.webhookSecret,
        );
      const deliveries: { brandId: string; event: Stripe.Event }[] = [];
      for (const s of stories) {
        for (const e of s.events)
          for (let c = 1 + Math.floor(random() * 3); c > 0; c--)
            deliveries.push({ brandId: s.brand.id, event: e });
      }
      const queue = shuffle(deliveries, random);
      const ctx = testContext(w.db, { config: w.config });
      const statuses = new Map<number, number>();
      let delivered = 0;
      const intake = (async () => {
        const lanes = Array.from({ length: 4 }, async () => {
          for (let d = queue.shift(); d; d = queue.shift()) {
            const body = JSON.stringify(d.event);
            const res = await callIntake(
              ctx,
              d.brandId,
              webhookRequest(d.brandId, body, {
                "Stripe-Signature": sign(body, secrets.get(d.brandId)!),
              }),
            );
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            delivered++;
            // Pace the intake a little so that it overlaps several crashes.
            if (delivered % 50 === 0) await new Promise((r) => setTimeout(r, 20));
          }
        });
        await Promise.all(lanes);
      })();

      // ---- crash loop: start, let it work 0.3-1.5 s, SIGKILL; until the intake is done and most
      // of the work was done under fire.
      let kills = 0;
      let orphanedAtKill = 0;
      let intakeDone = false;
      void intake.then(() => (intakeDone = true));
      const recoveredLines: string[] = [];
      const maxKills = Number(process.env.RELIABILITY_MAX_KILLS ?? (EVENTS > 2000 ? 40 : 12));
      for (;;) {
        const p = startWorkerProc(workerEnv(), `worker-${kills + 1}`);
        procs.push(p);
        await p.waitForLine(/Rekomi worker running/);
        await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1200)));
        p.child.kill("SIGKILL");
        await p.exited;
        kills++;
        recoveredLines.push(...p.lines.filter((l) => /recovered \d+ job/.test(l)));
        const state = await queueState();
        orphanedAtKill += state.locked;
        if ((intakeDone && state.pending < total * 0.05) || kills >= maxKills) break;
      }
      await intake;

      // ---- the final worker: must pick up the dead workers' jobs at once and finish everything
      const restartAt = Date.now();
      const lockedBeforeRestart = (await queueState()).locked;
      // Jobs waiting out graphile-worker's retry backoff (they failed, e.g. a Stripe read interrupted).
      const { rows: backoff } = await sql<{ n: number; errors: string[] | null }>`
      select count(*)::int as n, array_agg(distinct left(last_error, 120)) as errors from graphile_worker.jobs
      where locked_by is null and attempts > 0 and run_at > now()`.execute(w.db);
      const final = startWorkerProc(workerEnv(), "worker-final");
      procs.push(final);
      await final.waitForLine(/Rekomi worker running/);
      await waitUntil(
        async () => {
          const s = await queueState();
          return s.pending === 0 && s.jobs === 0;
        },
        180_000,
        "every event to be processed",
        250,
      );
      const settleSeconds = (Date.now() - restartAt) / 1000;
      await final.kill("SIGTERM");
      recoveredLines.push(...final.lines.filter((l) => /recovered \d+ job/.test(l)));

      // ---- the verdict
      const state = await queueState();
      expect(state.failed).toBe(0);
      expect([...statuses.keys()]).toEqual([200]);
      const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from stripe_events where brand_id = any(${stories.map((s) => s.brand.id)}::uuid[])`.execute(
        w.db,
      );
      expect(rows[0].n).toBe(total);
      let compared = 0;
      let duplicates = 0;
      const mismatches: unknown[] = [];
      for (const s of stories) {
        const c = await compareWithModel(s);
        compared += c.compared;
        mismatches.push(...c.mismatches);
        duplicates += await duplicateConversions(s.brand);
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(duplicates).toBe(0);
      expect(kills).toBeGreaterThanOrEqual(Math.min(5, maxKills));

      const figures = {
        seed: SEED,
        brands: stories.length,
        operations: stories.reduce((n, s) => n + s.ops.length, 0),
        distinctEvents: total,
        deliveries: deliveries.length,
        intakeStatuses: Object.fromEntries(statuses),
        sigkills: kills,
        jobsLockedByKilledWorkers: orphanedAtKill,
        lockedWhenFinalWorkerStarted: lockedBeforeRestart,
        inRetryBackoffWhenFinalWorkerStarted: backoff[0].n,
        retryErrors: backoff[0].errors ?? [],
        recoveryLogLines: recoveredLines.length,
        finalWorkerSettleSeconds: settleSeconds,
        conversionsCompared: compared,
        mismatches: mismatches.length,
        duplicateConversions: duplicates,
        storySeconds: storyMs / 1000,
        totalSeconds: (Date.now() - t0) / 1000,
      };
      console.log(`[worker-crash] ${JSON.stringify(figures)}`);
      recordFigures("worker-crash", figures);
      expect(compared).toBeGreaterThan(total / 10);
    },
  );
});
