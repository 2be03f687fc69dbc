/**
 * 2. Attribution, against the Stripe emulator, with the real worker process (`jobs/main.ts`):
 * - end-to-end latency at a fixed offered rate: signed `invoice.paid` (with an affiliate code) POSTed
 *   to the intake route -> conversion committed (seen through a LISTEN on an AFTER INSERT trigger
 *   the bench adds to its own database: NOTIFY is delivered at commit);
 * - backlog drain: N `invoice.paid` events stored and queued (through the intake service) while no
 *   worker runs, then the worker is started and timed until every event is processed;
 * - ceilings: graphile-worker's no-op job rate (same runner, pool, concurrency, in its own process)
 *   and its enqueue -> job-ran latency at the same offered rate.
 */
import pg from "pg";
import { signPayload } from "../tools/stripe-emulator/index";
import {
  log,
  openLoad,
  sleep,
  spawnNode,
  summarize,
  waitUntil,
  type LatencySummary,
  type OpenLoadResult,
} from "./lib";
import {
  createAffiliates,
  createCampaign,
  createCodes,
  createConnectedBrand,
  type BenchBrand,
} from "./seed";
import type { Stack } from "./stack";

export interface AttributionResult {
  brands: number;
  e2e: {
    offered: number;
    events: number;
    conversions: number;
    latency: LatencySummary;
    intake: OpenLoadResult;
  };
  e2eFloor: { latency: LatencySummary; jobs: number };
  drain: {
    events: number;
    seconds: number;
    rate: number;
    processed: number;
    failed: number;
    conversions: number;
    finished: boolean;
  };
  noop: { jobs: number; seconds: number; rate: number };
  setupSeconds: number;
}

interface PreparedEvent {
  brand: BenchBrand;
  invoiceId: string;
  event: Record<string, unknown>;
}

/** Paid subscription checkouts with an affiliate code in the emulator; their `invoice.paid` events. */
async function prepareEvents(
  stack: Stack,
  brands: { brand: BenchBrand; codes: string[] }[],
  n: number,
): Promise<PreparedEvent[]> {
  const out: PreparedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const { brand, codes } = brands[i % brands.length];
    const r = await stack.emu.checkout({
      api_key: brand.stripeKey,
      amount: 2900 + (i % 50) * 100,
      currency: "usd",
      promotion_code: codes[Math.floor(i / brands.length) % codes.length],
      wait: false,
    });
    const account = stack.emu.emulator.account(brand.stripeKey);
    const ref = r.events.find((e) => e.type === "invoice.paid");
    const event = ref ? account.events.get(ref.id) : undefined;
    if (!event || !r.invoice) throw new Error("checkout produced no invoice.paid event");
    out.push({
      brand,
      invoiceId: r.invoice,
      event: JSON.parse(JSON.stringify(event)) as Record<string, unknown>,
    });
  }
  // The emulator queued deliveries it will never send (deliver: false); drop them to save memory.
  stack.emu.emulator.dispatcher.enabled = false;
  return out;
}

async function pendingEvents(
  stack: Stack,
  brandIds: string[],
): Promise<{ pending: number; processed: number; failed: number }> {
  const { rows } = await stack.pool.query<{ pending: number; processed: number; failed: number }>(
    `select count(*) filter (where status = 'pending')::int as pending,
            count(*) filter (where status = 'processed')::int as processed,
            count(*) filter (where status = 'failed')::int as failed
       from stripe_events where brand_id = any($1::uuid[])`,
    [brandIds],
  );
  return rows[0];
}

export async function benchAttribution(
  stack: Stack,
  sizes: {
    brands: number;
    affiliatesPerBrand: number;
    e2eRate: number;
    e2eSeconds: number;
    drainEvents: number;
    drainMaxSeconds: number;
    noopJobs: number;
  },
): Promise<AttributionResult> {
  const t0 = performance.now();
  const brands: { brand: BenchBrand; codes: string[] }[] = [];
  for (let b = 0; b < sizes.brands; b++) {
    const brand = await createConnectedBrand(stack, `Attribution brand ${b + 1}`);
    const campaignId = await createCampaign(stack, brand.brandId);
    const affiliates = await createAffiliates(
      stack,
      brand.brandId,
      campaignId,
      sizes.affiliatesPerBrand,
    );
    const codes = await createCodes(stack, brand, campaignId, affiliates);
    brands.push({ brand, codes });
  }
  const e2eCount = Math.round(sizes.e2eRate * sizes.e2eSeconds);
  log(
    `  creating ${e2eCount + sizes.drainEvents} paid checkouts with codes in the emulator (${sizes.brands} brands) ...`,
  );
  const all = await prepareEvents(stack, brands, e2eCount + sizes.drainEvents);
  const e2eEvents = all.slice(0, e2eCount);
  const drainEvents = all.slice(e2eCount);
  const brandIds = brands.map((b) => b.brand.brandId);
  const setupSeconds = (performance.now() - t0) / 1000;

  // ---- end-to-end latency at a fixed offered rate
  await stack.pool.query(`
    create or replace function bench_conversion_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('bench_conversion', coalesce(new.stripe_invoice_id, '')); return new; end $$;
    drop trigger if exists bench_conversion_notify on conversions;
    create trigger bench_conversion_notify after insert on conversions for each row execute function bench_conversion_notify();`);
  const listener = new pg.Client({ connectionString: stack.pg.url });
  await listener.connect();
  const committedAt = new Map<string, number>();
  listener.on("notification", (m) => {
    if (m.channel === "bench_conversion" && m.payload)
      committedAt.set(m.payload, performance.now());
  });
  await listener.query("listen bench_conversion");
  await listener.query("listen bench_noop");

  await stack.startWorker();
  const intended: number[] = new Array(e2eEvents.length).fill(0);
  const e2eStart = performance.now();
  const intake = await openLoad({
    port: stack.port,
    rate: sizes.e2eRate,
    durationMs: sizes.e2eSeconds * 1000,
    request: (i) => {
      const p = e2eEvents[i];
      intended[i] = e2eStart + (i * 1000) / sizes.e2eRate;
      const body = JSON.stringify(p.event);
      return {
        method: "POST",
        path: `/webhooks/stripe/${p.brand.brandId}`,
        headers: {
          "Content-Type": "application/json",
          "Stripe-Signature": signPayload(body, p.brand.webhookSecret),
        },
        body,
      };
    },
    check: (_i, status) => status === 200,
  });
  await waitUntil(
    "end-to-end conversions",
    async () => e2eEvents.every((p) => committedAt.has(p.invoiceId)),
    60_000,
    100,
  ).catch((error: unknown) => log(`  WARNING: ${error instanceof Error ? error.message : error}`));
  const e2eSamples = e2eEvents.flatMap((p, i) => {
    const at = committedAt.get(p.invoiceId);
    return at === undefined ? [] : [at - intended[i]];
  });
  const e2eLatency = summarize(e2eSamples);
  log(
    `  attribution e2e at ${sizes.e2eRate}/s: ${e2eSamples.length}/${e2eEvents.length} conversions, p50 ${e2eLatency.p50.toFixed(1)} ms, p99 ${e2eLatency.p99.toFixed(1)} ms`,
  );
  await stack.pool.query(
    "drop trigger if exists bench_conversion_notify on conversions; drop function if exists bench_conversion_notify()",
  );
  // Let the worker finish anything left (e.g. a retry) before stopping it.
  await waitUntil(
    "e2e backlog",
    async () => (await pendingEvents(stack, brandIds)).pending === 0,
    30_000,
    200,
  ).catch(() => {});
  await stack.stopWorker();

  // ---- backlog drain
  // Queued in bulk: the same stripe_events rows and stripe__process_event jobs the intake route
  // writes (its speed is measured above), 500 per statement, so queueing does not eat the budget.
  log(
    `  queueing ${drainEvents.length} invoice.paid events (stripe_events rows + jobs, worker stopped) ...`,
  );
  for (let i = 0; i < drainEvents.length; i += 500) {
    const batch = drainEvents.slice(i, i + 500).map((p) => {
      const e = p.event as {
        id: string;
        type: string;
        livemode: boolean;
        api_version: string;
        created: number;
      };
      return {
        brand_id: p.brand.brandId,
        stripe_event_id: e.id,
        type: e.type,
        livemode: e.livemode,
        api_version: e.api_version,
        stripe_created_at: new Date(e.created * 1000).toISOString(),
        payload: JSON.stringify(p.event),
      };
    });
    const { rowCount } = await stack.pool.query(
      `with ins as (
         insert into stripe_events (brand_id, stripe_event_id, type, livemode, api_version, stripe_created_at, payload, status)
         select r.brand_id, r.stripe_event_id, r.type, r.livemode, r.api_version, r.stripe_created_at, r.payload::jsonb, 'pending'
           from json_to_recordset($1::json) as r(brand_id uuid, stripe_event_id text, type text, livemode boolean,
                api_version text, stripe_created_at timestamptz, payload text)
         returning id)
       select graphile_worker.add_job(identifier => 'stripe__process_event', payload => json_build_object('eventRowId', id),
                job_key => 'stripe_event:' || id) from ins`,
      [JSON.stringify(batch)],
    );
    if (rowCount !== batch.length)
      throw new Error(`queued ${rowCount} of ${batch.length} drain events`);
  }
  const before = await pendingEvents(stack, brandIds);
  const conversionsBefore = await countConversions(stack, brandIds);
  // Timed from the moment the worker process reports graphile-worker running (not its start-up).
  await stack.startWorker();
  const drainStart = performance.now();
  let drainEnd = performance.now();
  // Bounded so the full run stays within its time budget; an unfinished drain is reported as
  // events processed / time spent.
  const deadline = sizes.drainMaxSeconds * 1000;
  let state = before;
  for (;;) {
    state = await pendingEvents(stack, brandIds);
    drainEnd = performance.now();
    if (state.pending === 0 && state.failed === 0) break;
    if (drainEnd - drainStart > deadline) {
      log(
        `  drain not finished after ${Math.round(deadline / 1000)} s (time budget): ${JSON.stringify(state)}`,
      );
      break;
    }
    await sleep(100);
  }
  const drainSeconds = (drainEnd - drainStart) / 1000;
  const drained = state.processed - before.processed;
  const conversions = (await countConversions(stack, brandIds)) - conversionsBefore;
  const finished = state.pending === 0 && state.failed === 0;
  log(
    `  drain: ${drained} events in ${drainSeconds.toFixed(1)} s = ${Math.round(drained / drainSeconds)}/s (${conversions} conversions, ${state.failed} failed)`,
  );
  await stack.stopWorker();
  if (!finished) {
    await stack.pool.query(
      `delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
        where t.id = j.task_id and t.identifier = 'stripe__process_event'`,
    );
  }

  // ---- graphile-worker no-op ceiling (same runner in its own process)
  await stack.pool.query(
    "select graphile_worker.add_job('bench__noop', '{}'::json) from generate_series(1, $1::int)",
    [sizes.noopJobs],
  );
  const noop = spawnNode("noop-worker", ["--import", "tsx", "bench/noop-worker.ts"], {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    DATABASE_URL: stack.pg.url,
    WORKER_CONCURRENCY: String(stack.workerConcurrency),
  });
  let noopSeconds = 0;
  let floor: LatencySummary;
  let floorJobs = 0;
  try {
    await waitUntil(
      "no-op worker start",
      async () => {
        if (noop.proc.exitCode !== null)
          throw new Error(`noop worker exited\n${noop.logs.join("\n")}`);
        return noop.logs.some((l) => l.includes("noop worker running"));
      },
      60_000,
      20,
    );
    const noopStart = performance.now();
    await waitUntil(
      "no-op jobs",
      async () => {
        if (noop.proc.exitCode !== null)
          throw new Error(`noop worker exited\n${noop.logs.join("\n")}`);
        const { rows } = await stack.pool.query<{ n: number }>(
          "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'bench__noop'",
        );
        return rows[0].n === 0;
      },
      Math.max(60_000, sizes.noopJobs * 10),
      100,
    );
    noopSeconds = (performance.now() - noopStart) / 1000;
    log(
      `  no-op jobs: ${sizes.noopJobs} in ${noopSeconds.toFixed(1)} s = ${Math.round(sizes.noopJobs / noopSeconds)}/s`,
    );

    // Enqueue -> job ran, at the e2e offered rate (the job-queue part of the e2e latency).
    const ran = new Map<number, number>();
    listener.on("notification", (m) => {
      if (m.channel === "bench_noop" && m.payload) ran.set(Number(m.payload), performance.now());
    });
    const enq = new pg.Pool({ connectionString: stack.pg.url, max: 4 });
    const count = Math.round(sizes.e2eRate * Math.min(sizes.e2eSeconds, 10));
    const started: number[] = [];
    const fStart = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const at = fStart + (i * 1000) / sizes.e2eRate;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      started[i] = at;
      pending.push(
        enq.query(
          "select graphile_worker.add_job('bench__noop_notify', json_build_object('i', $1::int))",
          [i],
        ),
      );
    }
    await Promise.all(pending);
    await waitUntil("no-op notify jobs", async () => ran.size >= count, 30_000, 50).catch(() => {});
    await enq.end();
    const samples = started.flatMap((s, i) => (ran.has(i) ? [ran.get(i)! - s] : []));
    floor = summarize(samples);
    floorJobs = samples.length;
    log(
      `  no-op job latency at ${sizes.e2eRate}/s: p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`,
    );
  } finally {
    await noop.stop();
    await listener.end();
  }
  return {
    brands: sizes.brands,
    e2e: {
      offered: sizes.e2eRate,
      events: e2eEvents.length,
      conversions: e2eSamples.length,
      latency: e2eLatency,
      intake,
    },
    e2eFloor: { latency: floor, jobs: floorJobs },
    drain: {
      events: drainEvents.length,
      seconds: drainSeconds,
      rate: drained / drainSeconds,
      processed: drained,
      failed: state.failed,
      conversions,
      finished,
    },
    noop: { jobs: sizes.noopJobs, seconds: noopSeconds, rate: sizes.noopJobs / noopSeconds },
    setupSeconds,
  };
}

async function countConversions(stack: Stack, brandIds: string[]): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>(
    "select count(*)::int as n from conversions where brand_id = any($1::uuid[])",
    [brandIds],
  );
  return rows[0].n;
}
