/**
 * `npm run bench`: every benchmark of issue 9 in one run, on loopback, against a fresh embedded
 * PostgreSQL seeded by the run itself; prints a table and writes docs/benchmarks.md (the part
 * between the `bench:results` markers; the hand-written sections around it are kept).
 *
 *   npm run bench                  full run (about 10 minutes on 2 cores)
 *   BENCH_QUICK=1 npm run bench    tiny sizes, a few seconds of load: proves the benchmark runs;
 *                                  writes $BENCH_OUT (default: a temp file), never the docs
 *   BENCH_BUILD=1                  rebuild the production bundle first (default: only if missing)
 *   BENCH_ONLY=intake,redirect,attribution,api,export   run a subset
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchReads, type ReadsResult } from "./api";
import { benchAttribution, type AttributionResult } from "./attribution";
import { benchExport, type ExportResult } from "./export";
import { benchIntake, type IntakeResult } from "./intake";
import {
  cleanupAll,
  fmt,
  installExitHandlers,
  log,
  machineInfo,
  sleep,
  withTimeout,
  type MachineInfo,
} from "./lib";
import { benchRedirect, type RedirectResult } from "./redirect";
import {
  apiKeysFor,
  bulkConversions,
  createAffiliates,
  createCampaign,
  createConnectedBrand,
  sessionCookieFor,
} from "./seed";
import { ensureBuild, startStack } from "./stack";

const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY
  ? new Set(process.env.BENCH_ONLY.split(",").map((s) => s.trim()))
  : null;
const want = (name: string) => !only || only.has(name);

export const SIZES = quick
  ? {
      workerConcurrency: 8,
      intake: { durationS: 1, rate: 100, ceilingS: 0.5 },
      redirect: { durationS: 1, rate: 100, links: 10 },
      attribution: {
        brands: 1,
        affiliatesPerBrand: 2,
        e2eRate: 10,
        e2eSeconds: 1,
        drainEvents: 30,
        drainMaxSeconds: 15,
        noopJobs: 100,
      },
      reads: { conversions: 5_000, affiliates: 50, apiRate: 20, dashRate: 5, durationS: 1 },
    }
  : {
      workerConcurrency: 8,
      intake: { durationS: 10, rate: 1500, ceilingS: 4 },
      redirect: { durationS: 10, rate: 2000, links: 200 },
      attribution: {
        brands: 10,
        affiliatesPerBrand: 20,
        e2eRate: 100,
        e2eSeconds: 15,
        drainEvents: 20_000,
        drainMaxSeconds: 120,
        noopJobs: 20_000,
      },
      reads: { conversions: 1_000_000, affiliates: 1_000, apiRate: 40, dashRate: 4, durationS: 20 },
    };

interface Results {
  machine: MachineInfo;
  loadAfter: [number, number, number];
  seconds: number;
  intake?: IntakeResult;
  redirect?: RedirectResult;
  attribution?: AttributionResult;
  reads?: ReadsResult;
  export?: ExportResult;
  seedSeconds?: number;
  errors: string[];
}

async function phase<T>(
  results: Results,
  name: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  log(`== ${name}`);
  // A short pause so the previous phase's stragglers do not load this one.
  await sleep(quick ? 200 : 3000);
  try {
    return await withTimeout(name, timeoutMs, fn());
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`[bench] ${name} failed: ${message}`);
    results.errors.push(
      `${name}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
    );
    return undefined;
  }
}

async function main(): Promise<number> {
  installExitHandlers();
  const started = performance.now();
  const results: Results = { machine: machineInfo(), loadAfter: [0, 0, 0], seconds: 0, errors: [] };
  log(
    `${quick ? "QUICK" : "FULL"} run on ${results.machine.cpu} x${results.machine.cores}, load ${results.machine.load.join(" ")}`,
  );
  ensureBuild(process.env.BENCH_BUILD === "1");
  const stack = await startStack({ workerConcurrency: SIZES.workerConcurrency });

  if (want("intake")) {
    results.intake = await phase(results, "intake", 180_000, async () => {
      const brand = await createConnectedBrand(stack, "Intake brand");
      return benchIntake(stack, brand, SIZES.intake);
    });
  }
  if (want("redirect")) {
    results.redirect = await phase(results, "redirect", 180_000, async () => {
      const brand = await createConnectedBrand(stack, "Redirect brand");
      const campaignId = await createCampaign(stack, brand.brandId);
      const links = await createAffiliates(stack, brand.brandId, campaignId, SIZES.redirect.links);
      return benchRedirect(
        stack,
        links.map((l) => l.linkCode),
        SIZES.redirect,
      );
    });
  }
  if (want("attribution")) {
    results.attribution = await phase(results, "attribution", 480_000, () =>
      benchAttribution(stack, SIZES.attribution),
    );
  }
  if (want("api") || want("export")) {
    const seeded = await phase(results, "seed reads", 300_000, async () => {
      const t0 = performance.now();
      const brand = await createConnectedBrand(stack, "Reads brand");
      const campaignId = await createCampaign(stack, brand.brandId);
      const affiliates = await createAffiliates(
        stack,
        brand.brandId,
        campaignId,
        SIZES.reads.affiliates,
      );
      const ids = affiliates.map((a) => a.affiliateId);
      await bulkConversions(
        stack,
        brand.brandId,
        campaignId,
        ids,
        SIZES.reads.conversions,
        (done) => {
          if (done % 200_000 === 0 || done === SIZES.reads.conversions)
            log(`  seeded ${done.toLocaleString("en-US")} conversions`);
        },
      );
      const apiKeys = await apiKeysFor(stack, brand.brandId, 4);
      const cookie = await sessionCookieFor(stack, brand.userId);
      results.seedSeconds = (performance.now() - t0) / 1000;
      return { brandId: brand.brandId, affiliateIds: ids, apiKeys, cookie };
    });
    if (seeded && want("api")) {
      results.reads = await phase(results, "api + dashboard", 240_000, () =>
        benchReads(stack, { ...seeded, total: SIZES.reads.conversions }, SIZES.reads),
      );
    }
    if (seeded && want("export")) {
      results.export = await phase(results, "csv export", 180_000, () =>
        benchExport(stack, { brandId: seeded.brandId, apiKey: seeded.apiKeys[0] }),
      );
    }
  }

  results.loadAfter = os.loadavg().map((v) => Math.round(v * 100) / 100) as [
    number,
    number,
    number,
  ];
  results.seconds = (performance.now() - started) / 1000;
  const report = renderReport(results);
  console.log(`\n${report.table}\n`);
  const out = quick
    ? (process.env.BENCH_OUT ?? path.join(os.tmpdir(), "rekomi-bench-quick.md"))
    : (process.env.BENCH_OUT ?? "docs/benchmarks.md");
  writeReport(out, report.markdown);
  log(`wrote ${out} (${results.seconds.toFixed(0)} s total)`);
  if (results.errors.length > 0) {
    console.error(
      `[bench] ${results.errors.length} phase(s) failed:\n  ${results.errors.join("\n  ")}`,
    );
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  section: string;
  metric: string;
  target: string;
  measured: string;
  ceiling: string;
  ratio: string;
  met: boolean | null;
}

function renderReport(r: Results): { table: string; markdown: string } {
  const rows: Row[] = [];
  /** Every target of issue 9 on its own line, so a row with two targets cannot hide one. */
  const targets: { target: string; measured: string; met: boolean }[] = [];
  const yes = (b: boolean) => b;
  const lat = (l: { p50: number; p99: number; max: number }) =>
    `p50 ${fmt.ms(l.p50)} / p99 ${fmt.ms(l.p99)} / max ${fmt.ms(l.max)} ms`;
  const lat95 = (l: { p50: number; p95: number; p99: number; max: number }) =>
    `p50 ${fmt.ms(l.p50)} / p95 ${fmt.ms(l.p95)} / p99 ${fmt.ms(l.p99)} / max ${fmt.ms(l.max)} ms`;

  if (r.intake) {
    const i = r.intake;
    const ratio = i.capacity.rps / i.ceiling.rps;
    rows.push({
      section: "1. Intake",
      metric: "Signed events/s, capacity (32 connections)",
      target: "≥ 1,500/s; ÷ ceiling ≥ 0.6",
      measured: `${fmt.rate(i.capacity.rps)}/s (${lat(i.capacity.latency)})`,
      ceiling: `${fmt.rate(i.ceiling.rps)} tx/s (pg direct, ${i.ceiling.concurrency} conns)`,
      ratio: fmt.ratio(ratio),
      met: yes(i.capacity.rps >= 1500 && ratio >= 0.6 && i.capacity.non2xx === 0),
    });
    targets.push(
      {
        target: "Intake ≥ 1,500 signed events/s sustained",
        measured: `${fmt.rate(i.capacity.rps)}/s capacity; ${fmt.rate(i.fixed.achievedRate)}/s achieved at ${fmt.rate(i.fixed.offeredRate)}/s offered (errors ${i.fixed.errors})`,
        met:
          i.capacity.rps >= 1500 &&
          i.fixed.achievedRate >= 0.98 * i.fixed.offeredRate &&
          i.fixed.errors === 0,
      },
      { target: "Intake ÷ pg-direct ceiling ≥ 0.6", measured: fmt.ratio(ratio), met: ratio >= 0.6 },
    );
    const sustained = i.fixed.achievedRate >= 0.98 * i.fixed.offeredRate && i.fixed.errors === 0;
    rows.push({
      section: "1. Intake",
      metric: `Latency at ${fmt.rate(i.fixed.offeredRate)}/s offered (open model, ${i.fixed.sent} events)`,
      target: "p99 ≤ 50 ms, rate sustained",
      measured: `${lat(i.fixed.latency)}; achieved ${fmt.rate(i.fixed.achievedRate)}/s, errors ${i.fixed.errors}`,
      ceiling: "–",
      ratio: "–",
      met: yes(sustained && i.fixed.latency.p99 <= 50),
    });
    targets.push({
      target: `Intake p99 ≤ 50 ms at ${fmt.rate(i.fixed.offeredRate)}/s offered`,
      measured: `p99 ${fmt.ms(i.fixed.latency.p99)} ms`,
      met: i.fixed.latency.p99 <= 50,
    });
  }
  if (r.attribution) {
    const a = r.attribution;
    const l = a.e2e.latency;
    rows.push({
      section: "2. Attribution",
      metric: `Webhook → conversion committed at ${a.e2e.offered}/s (${a.e2e.conversions}/${a.e2e.events} events)`,
      target: "p50 ≤ 50 ms, p99 ≤ 250 ms",
      measured: lat(l),
      ceiling: `no-op job enqueue → ran: ${lat(a.e2eFloor.latency)}`,
      ratio: `p50 ×${fmt.ratio(l.p50 / a.e2eFloor.latency.p50)}`,
      met: yes(l.p50 <= 50 && l.p99 <= 250 && a.e2e.conversions === a.e2e.events),
    });
    targets.push(
      {
        target: `Attribution end-to-end p50 ≤ 50 ms at ${a.e2e.offered} events/s`,
        measured: `p50 ${fmt.ms(l.p50)} ms`,
        met: l.p50 <= 50,
      },
      {
        target: `Attribution end-to-end p99 ≤ 250 ms at ${a.e2e.offered} events/s`,
        measured: `p99 ${fmt.ms(l.p99)} ms`,
        met: l.p99 <= 250,
      },
    );
    const ratio = a.drain.rate / a.noop.rate;
    rows.push({
      section: "2. Attribution",
      metric: `Backlog drain, ${fmt.rate(a.drain.events)} invoice.paid with codes (${a.brands} brands)`,
      target: "≥ 500/s; ÷ no-op ≥ 0.3",
      measured: `${fmt.rate(a.drain.rate)}/s (${fmt.rate(a.drain.processed)} processed in ${a.drain.seconds.toFixed(1)} s${a.drain.finished ? "" : ", stopped at the time budget"}; ${a.drain.conversions} conversions, ${a.drain.failed} failed)`,
      ceiling: `no-op jobs ${fmt.rate(a.noop.rate)}/s (${fmt.rate(a.noop.jobs)} in ${a.noop.seconds.toFixed(1)} s)`,
      ratio: fmt.ratio(ratio),
      met: yes(a.drain.rate >= 500 && ratio >= 0.3 && a.drain.failed === 0),
    });
    targets.push(
      {
        target: "Backlog drain ≥ 500 events/s",
        measured: `${fmt.rate(a.drain.rate)}/s`,
        met: a.drain.rate >= 500,
      },
      { target: "Drain ÷ no-op job rate ≥ 0.3", measured: fmt.ratio(ratio), met: ratio >= 0.3 },
    );
  }
  if (r.redirect) {
    const d = r.redirect;
    const ratio = d.capacity.rps / d.ceiling.rps;
    rows.push({
      section: "3. Redirect",
      metric: "/r/{code} capacity (32 connections)",
      target: "≥ 5,000 req/s",
      measured: `${fmt.rate(d.capacity.rps)}/s (${lat(d.capacity.latency)})`,
      ceiling: `${fmt.rate(d.ceiling.rps)}/s (bare node:http 302)`,
      ratio: fmt.ratio(ratio),
      met: yes(d.capacity.rps >= 5000 && d.capacity.non2xx === 0),
    });
    targets.push({
      target: "Redirect capacity ≥ 5,000 req/s",
      measured: `${fmt.rate(d.capacity.rps)}/s`,
      met: d.capacity.rps >= 5000,
    });
    const sustained = d.fixed.achievedRate >= 0.98 * d.fixed.offeredRate && d.fixed.errors === 0;
    rows.push({
      section: "3. Redirect",
      metric: `Latency at ${fmt.rate(d.fixed.offeredRate)}/s offered (${d.fixed.sent} visits; ${d.clicksRecorded} clicks recorded over the capacity and fixed-rate runs)`,
      target: "p99 ≤ 10 ms",
      measured: `${lat(d.fixed.latency)}; achieved ${fmt.rate(d.fixed.achievedRate)}/s, errors ${d.fixed.errors}`,
      ceiling: `bare 302: ${lat(d.ceilingFixed.latency)}`,
      ratio: `p99 ×${fmt.ratio(d.fixed.latency.p99 / d.ceilingFixed.latency.p99)}`,
      met: yes(sustained && d.fixed.latency.p99 <= 10),
    });
    targets.push({
      target: `Redirect p99 ≤ 10 ms at ${fmt.rate(d.fixed.offeredRate)} req/s offered`,
      measured: `p99 ${fmt.ms(d.fixed.latency.p99)} ms (achieved ${fmt.rate(d.fixed.achievedRate)}/s)`,
      met: sustained && d.fixed.latency.p99 <= 10,
    });
  }
  if (r.reads) {
    const api = r.reads.api;
    rows.push({
      section: "4. API",
      metric: `GET /api/v1/conversions at ${api.fixed.offeredRate}/s (${api.kinds.length} page kinds, ${api.fixed.sent} requests)`,
      target: "p95 ≤ 30 ms",
      measured: `${lat95(api.fixed.latency)}; errors ${api.fixed.errors}`,
      ceiling: `service in-process: p95 ${fmt.ms(api.ceiling.p95)} ms`,
      ratio: `p95 ×${fmt.ratio(api.fixed.latency.p95 / api.ceiling.p95)}`,
      met: yes(api.fixed.latency.p95 <= 30 && api.fixed.errors === 0),
    });
    targets.push({
      target: "API pages p95 ≤ 30 ms",
      measured: `p95 ${fmt.ms(api.fixed.latency.p95)} ms`,
      met: api.fixed.latency.p95 <= 30 && api.fixed.errors === 0,
    });
    const dash = r.reads.dashboard;
    rows.push({
      section: "4. API",
      metric: `Dashboard conversions loader at ${dash.fixed.offeredRate}/s (${dash.kinds.length} views, ${dash.fixed.sent} requests)`,
      target: "p95 ≤ 150 ms",
      measured: `${lat95(dash.fixed.latency)}; errors ${dash.fixed.errors}`,
      ceiling: `loader queries in-process: p95 ${fmt.ms(dash.ceiling.p95)} ms`,
      ratio: `p95 ×${fmt.ratio(dash.fixed.latency.p95 / dash.ceiling.p95)}`,
      met: yes(dash.fixed.latency.p95 <= 150 && dash.fixed.errors === 0),
    });
    targets.push({
      target: "Dashboard loader p95 ≤ 150 ms",
      measured: `p95 ${fmt.ms(dash.fixed.latency.p95)} ms`,
      met: dash.fixed.latency.p95 <= 150 && dash.fixed.errors === 0,
    });
  }
  if (r.export) {
    const e = r.export;
    const delta = e.peakRss - e.idleRss;
    rows.push({
      section: "5. Export",
      metric: `CSV export of ${fmt.rate(e.rows)} conversions (${fmt.mb(e.bytes)} MiB)`,
      target: "≤ 10 s; peak RSS ≤ idle + 150 MB",
      measured: `${e.seconds.toFixed(2)} s; RSS idle ${fmt.mb(e.idleRss)} → peak ${fmt.mb(e.peakRss)} MiB (+${fmt.mb(delta)})`,
      ceiling: `pg cursor, no CSV: ${e.ceilingSeconds.toFixed(2)} s`,
      ratio: `time ×${fmt.ratio(e.seconds / e.ceilingSeconds)}`,
      met: yes(e.seconds <= 10 && delta <= 150 * 1e6 && e.rows === e.ceilingRows),
    });
    targets.push(
      {
        target: `CSV export of ${fmt.rate(e.rows)} conversions ≤ 10 s`,
        measured: `${e.seconds.toFixed(2)} s`,
        met: e.seconds <= 10 && e.rows === e.ceilingRows,
      },
      {
        target: "Export peak RSS ≤ idle + 150 MB",
        measured: `+${fmt.mb(delta)} MiB`,
        met: delta <= 150 * 1e6,
      },
    );
  }

  const mark = (m: boolean | null) => (m === null ? "–" : m ? "met" : "NOT met");
  const table = [
    "| Benchmark | Metric | Target | Measured | Ceiling (same run) | Ratio | Target |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (x) =>
        `| ${x.section} | ${x.metric} | ${x.target} | ${x.measured} | ${x.ceiling} | ${x.ratio} | ${mark(x.met)} |`,
    ),
  ].join("\n");

  const m = r.machine;
  const details: string[] = [];
  if (r.reads) {
    details.push(
      "",
      "API page kinds (app over HTTP vs the service in-process):",
      "",
      "| Kind | App p50 / p95 / max (ms) | In-process p50 / p95 (ms) |",
      "|---|---|---|",
    );
    for (const k of r.reads.api.kinds) {
      details.push(
        `| ${k.name} | ${fmt.ms(k.app.p50)} / ${fmt.ms(k.app.p95)} / ${fmt.ms(k.app.max)} | ${fmt.ms(k.ceiling.p50)} / ${fmt.ms(k.ceiling.p95)} |`,
      );
    }
    details.push(
      "",
      "Dashboard views:",
      "",
      "| View | App p50 / p95 / max (ms) | Loader queries in-process p50 / p95 (ms) |",
      "|---|---|---|",
    );
    for (const k of r.reads.dashboard.kinds) {
      details.push(
        `| ${k.name} | ${fmt.ms(k.app.p50)} / ${fmt.ms(k.app.p95)} / ${fmt.ms(k.app.max)} | ${fmt.ms(k.ceiling.p50)} / ${fmt.ms(k.ceiling.p95)} |`,
      );
    }
  }
  if (r.intake) {
    const st = Object.entries(r.intake.fixed.status)
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ");
    details.push("", `Intake at the fixed rate answered ${st}.`);
  }
  if (r.attribution) {
    details.push(
      `Attribution set-up (brands, codes, ${fmt.rate(r.attribution.e2e.events + r.attribution.drain.events)} emulator checkouts) took ${r.attribution.setupSeconds.toFixed(0)} s.`,
    );
  }
  if (r.seedSeconds !== undefined)
    details.push(
      `Seeding the reads brand (bulk conversions + ANALYZE) took ${r.seedSeconds.toFixed(0)} s.`,
    );

  const markdown = [
    `Run: ${m.date} · commit \`${m.commit}\`${m.dirty ? " (with uncommitted changes)" : ""} · ${quick ? "QUICK mode (sizes too small for figures)" : "full run"} · ${r.seconds.toFixed(0)} s`,
    "",
    `Machine: ${m.os} · ${m.cpu} · ${m.cores} cores · ${m.ramGiB} GiB RAM · Node ${m.node} · load average before ${m.load.join(" / ")}, after ${r.loadAfter.join(" / ")} (1/5/15 min)`,
    "",
    `App, worker (WORKER_CONCURRENCY=${SIZES.workerConcurrency}), PostgreSQL (embedded, fsync=off as in dev/test) and the Stripe emulator + load generator (one Node process) all on this machine, loopback only.`,
    "",
    table,
    "",
    `Each target on its own: **${targets.filter((t) => t.met).length} of ${targets.length} met**.`,
    "",
    "| Target | Measured | Verdict |",
    "|---|---|---|",
    ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? "met" : "NOT met"} |`),
    ...details,
    ...(r.errors.length
      ? ["", "Phases that failed in this run:", "", ...r.errors.map((e) => `- ${e}`)]
      : []),
  ].join("\n");
  return { table, markdown };
}

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

function writeReport(file: string, body: string): void {
  const block = `${START}\n${body}\n${END}`;
  if (existsSync(file)) {
    const current = readFileSync(file, "utf8");
    const a = current.indexOf(START);
    const b = current.indexOf(END);
    if (a !== -1 && b > a) {
      writeFileSync(file, current.slice(0, a) + block + current.slice(b + END.length));
      return;
    }
  }
  writeFileSync(
    file,
    `# Benchmarks\n\nGenerated by \`npm run bench\` (bench/run.ts).\n\n${block}\n`,
  );
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error("[bench] failed:", error);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(code);
