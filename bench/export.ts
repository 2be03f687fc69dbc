/**
 * 5. CSV export of every conversion of the large brand: GET /api/v1/conversions/export.csv, read to
 * the end, timed, while the web server's VmRSS is sampled every 20 ms (/proc/<pid>/status).
 * Ceiling: the same rows (same joins and order) fetched straight through pg with a server-side
 * cursor, 5,000 rows per FETCH, no CSV and no HTTP.
 */
import http from "node:http";
import pg from "pg";
import { log, rssOf, sampleRss, sleep } from "./lib";
import type { Stack } from "./stack";

export interface ExportResult {
  rows: number;
  bytes: number;
  seconds: number;
  idleRss: number;
  peakRss: number;
  ceilingSeconds: number;
  ceilingRows: number;
}

const EXPORT_SQL = `
  select c.id, c.occurred_at, c.created_at, c.campaign_id, cp.name as campaign_name, c.affiliate_id,
         a.name as affiliate_name, a.email as affiliate_email, c.attribution_method, c.coupon_code, c.amount,
         c.commission_amount, c.refunded_amount, c.currency, c.status, c.external_id, c.stripe_customer_id,
         c.stripe_invoice_id, c.stripe_subscription_id, c.stripe_checkout_session_id, c.stripe_payment_intent_id
    from conversions c
    left join affiliates a on a.id = c.affiliate_id and a.brand_id = c.brand_id
    left join campaigns cp on cp.id = c.campaign_id and cp.brand_id = c.brand_id
   where c.brand_id = $1
   order by c.created_at desc, c.id desc`;

export async function benchExport(
  stack: Stack,
  input: { brandId: string; apiKey: string },
): Promise<ExportResult> {
  // Ceiling first (it also warms the same pages of the table into the cache for both).
  const client = new pg.Client({ connectionString: stack.pg.url });
  await client.connect();
  let ceilingRows = 0;
  const c0 = performance.now();
  try {
    await client.query("begin read only");
    await client.query(`declare bench_export no scroll cursor for ${EXPORT_SQL}`, [input.brandId]);
    for (;;) {
      const { rows } = await client.query("fetch forward 5000 from bench_export");
      ceilingRows += rows.length;
      if (rows.length < 5000) break;
    }
    await client.query("commit");
  } finally {
    await client.end();
  }
  const ceilingSeconds = (performance.now() - c0) / 1000;
  log(`  export ceiling (pg cursor): ${ceilingRows} rows in ${ceilingSeconds.toFixed(2)} s`);

  // Idle RSS of the server: the lowest of a few samples over a second (it is warm and quiet).
  let idleRss = Infinity;
  for (let i = 0; i < 10; i++) {
    idleRss = Math.min(idleRss, rssOf(stack.server.pid));
    await sleep(100);
  }
  const sampler = sampleRss(stack.server.pid, 20);
  const t0 = performance.now();
  const { bytes, lines, status } = await new Promise<{
    bytes: number;
    lines: number;
    status: number;
  }>((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: stack.port,
        path: "/api/v1/conversions/export.csv",
        headers: { Authorization: `Bearer ${input.apiKey}`, "Accept-Encoding": "identity" },
      },
      (res) => {
        let bytes = 0;
        let lines = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on("end", () => resolve({ bytes, lines, status: res.statusCode ?? 0 }));
        res.on("error", reject);
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error("export timed out")));
    req.on("error", reject);
  });
  const seconds = (performance.now() - t0) / 1000;
  const { peak } = sampler.stop();
  if (status !== 200) throw new Error(`export answered ${status}`);
  log(
    `  export: ${lines - 1} rows, ${(bytes / 1024 ** 2).toFixed(0)} MiB in ${seconds.toFixed(2)} s; RSS idle ${(idleRss / 1024 ** 2).toFixed(0)} MiB, peak ${(peak / 1024 ** 2).toFixed(0)} MiB`,
  );
  return { rows: lines - 1, bytes, seconds, idleRss, peakRss: peak, ceilingSeconds, ceilingRows };
}
