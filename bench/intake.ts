/**
 * 1. Intake: signed Stripe events through POST /webhooks/stripe/:brandId.
 * Ceiling: the same transaction (insert stripe_events + graphile_worker.add_job) straight through
 * pg at full concurrency, no HTTP, no signature check.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { signPayload } from "../tools/stripe-emulator/index";
import { capacity, log, openLoad, type CapacityResult, type OpenLoadResult } from "./lib";
import type { BenchBrand } from "./seed";
import type { Stack } from "./stack";

export interface IntakeResult {
  ceiling: { rps: number; concurrency: number; durationS: number };
  capacity: CapacityResult;
  fixed: OpenLoadResult;
}

/** A real `invoice.paid` event of the brand's emulator account, as a template. */
export async function invoicePaidTemplate(
  stack: Stack,
  brand: BenchBrand,
): Promise<Record<string, unknown>> {
  const r = await stack.emu.checkout({
    api_key: brand.stripeKey,
    amount: 4900,
    currency: "usd",
    wait: false,
  });
  const account = stack.emu.emulator.account(brand.stripeKey);
  for (const e of account.events.values()) {
    if (e.type === "invoice.paid" && (e.data.object as { id?: string }).id === r.invoice) {
      return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    }
  }
  throw new Error("no invoice.paid event in the emulator");
}

export async function benchIntake(
  stack: Stack,
  brand: BenchBrand,
  sizes: { durationS: number; rate: number; ceilingS: number },
): Promise<IntakeResult> {
  const template = await invoicePaidTemplate(stack, brand);
  const runId = randomBytes(4).toString("hex");
  let n = 0;
  const nextBody = () =>
    JSON.stringify({ ...template, id: `evt_bench${runId}${(n++).toString(36)}` });
  const path = `/webhooks/stripe/${brand.brandId}`;

  // Ceiling: the intake transaction straight through pg, closed loop, at several concurrencies.
  let best = { rps: 0, concurrency: 0, durationS: sizes.ceilingS };
  for (const concurrency of [10, 32]) {
    const pool = new pg.Pool({ connectionString: stack.pg.url, max: concurrency });
    let done = 0;
    const until = performance.now() + sizes.ceilingS * 1000;
    const loop = async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < until) {
          const body = nextBody();
          const e = JSON.parse(body) as {
            id: string;
            type: string;
            livemode: boolean;
            api_version: string;
            created: number;
          };
          await client.query("begin");
          const { rows } = await client.query<{ id: string }>(
            `insert into stripe_events (brand_id, stripe_event_id, type, livemode, api_version, stripe_created_at, payload, status, error)
             values ($1, $2, $3, $4, $5, $6, $7, 'pending', null)
             on conflict (brand_id, stripe_event_id) do nothing returning id`,
            [
              brand.brandId,
              e.id,
              e.type,
              e.livemode,
              e.api_version,
              new Date(e.created * 1000),
              body,
            ],
          );
          if (rows[0]) {
            await client.query(
              `select graphile_worker.add_job(identifier => $1::text, payload => $2::json, queue_name => null::text,
                 run_at => null::timestamptz, max_attempts => null::int, job_key => $3::text)`,
              [
                "stripe__process_event",
                JSON.stringify({ eventRowId: rows[0].id }),
                `stripe_event:${rows[0].id}`,
              ],
            );
          }
          await client.query("commit");
          done++;
        }
      } finally {
        client.release();
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, loop));
    const rps = done / ((performance.now() - t0) / 1000);
    await pool.end();
    log(`  intake ceiling (pg direct, ${concurrency} connections): ${Math.round(rps)} tx/s`);
    if (rps > best.rps) best = { rps, concurrency, durationS: sizes.ceilingS };
  }

  // Capacity: closed loop through HTTP.
  const cap = await capacity({
    port: stack.port,
    connections: 32,
    durationS: sizes.durationS,
    requests: [
      {
        method: "POST",
        path,
        setupRequest: (req) => {
          const body = nextBody();
          return {
            ...req,
            body,
            headers: {
              "Content-Type": "application/json",
              "Stripe-Signature": signPayload(body, brand.webhookSecret),
            },
          };
        },
      },
    ],
  });
  log(
    `  intake capacity (HTTP, 32 connections): ${Math.round(cap.rps)} events/s, non-2xx ${cap.non2xx}, errors ${cap.errors}`,
  );

  // Open model at the target rate.
  const fixed = await openLoad({
    port: stack.port,
    rate: sizes.rate,
    durationMs: sizes.durationS * 1000,
    request: () => {
      const body = nextBody();
      return {
        method: "POST",
        path,
        headers: {
          "Content-Type": "application/json",
          "Stripe-Signature": signPayload(body, brand.webhookSecret),
        },
        body,
      };
    },
    check: (_i, status) => status === 200,
  });
  log(
    `  intake at ${sizes.rate}/s offered: achieved ${Math.round(fixed.achievedRate)}/s, p50 ${fixed.latency.p50.toFixed(1)} ms, p99 ${fixed.latency.p99.toFixed(1)} ms, errors ${fixed.errors}`,
  );

  // The queued jobs are for synthetic events the emulator never created: drop them.
  await stack.pool.query("delete from graphile_worker._private_jobs");
  await stack.pool.query(
    "update stripe_events set status = 'ignored', error = 'bench intake' where brand_id = $1 and status = 'pending'",
    [brand.brandId],
  );
  return { ceiling: best, capacity: cap, fixed };
}
