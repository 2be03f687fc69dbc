/**
 * 3. Referral redirect GET /r/{code} (resolve the code, record the click, 302 with cookie).
 * Ceiling: a bare node:http server answering 302 in its own process, same load.
 */
import { freePort } from "../app/db/embedded.server";
import {
  capacity,
  log,
  openLoad,
  spawnNode,
  waitForHttp,
  type CapacityResult,
  type OpenLoadResult,
} from "./lib";
import type { Stack } from "./stack";

/** A desktop browser (isbot treats curl-like agents as bots, which are redirected but not counted). */
export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const BARE_302 = `
const http = require("node:http");
http.createServer((req, res) => {
  res.writeHead(302, { Location: "https://brand.example/pricing?rk_ref=00000000-0000-0000-0000-000000000000", "Cache-Control": "no-store" });
  res.end();
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

export interface RedirectResult {
  ceiling: CapacityResult;
  ceilingFixed: OpenLoadResult;
  capacity: CapacityResult;
  fixed: OpenLoadResult;
  clicksRecorded: number;
}

export async function benchRedirect(
  stack: Stack,
  codes: string[],
  sizes: { durationS: number; rate: number },
): Promise<RedirectResult> {
  const port = await freePort();
  const bare = spawnNode("bare302", ["-e", BARE_302], {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    PORT: String(port),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 10_000, bare);
    const headers = { "User-Agent": BROWSER_UA, Accept: "text/html" };
    const requests = codes
      .slice(0, 200)
      .map((c) => ({ method: "GET" as const, path: `/r/${c}`, headers }));
    const clicksBefore = await countClicks(stack);

    const ceiling = await capacity({
      port,
      connections: 32,
      durationS: sizes.durationS,
      requests,
      expect3xx: true,
    });
    log(`  redirect ceiling (bare node:http 302): ${Math.round(ceiling.rps)} req/s`);
    const ceilingFixed = await openLoad({
      port,
      rate: sizes.rate,
      durationMs: sizes.durationS * 1000,
      request: (i) => requests[i % requests.length],
      check: (_i, status) => status === 302,
    });

    const cap = await capacity({
      port: stack.port,
      connections: 32,
      durationS: sizes.durationS,
      requests,
      expect3xx: true,
    });
    log(
      `  redirect capacity (app): ${Math.round(cap.rps)} req/s, non-302 ${cap.non2xx}, errors ${cap.errors}`,
    );
    const fixed = await openLoad({
      port: stack.port,
      rate: sizes.rate,
      durationMs: sizes.durationS * 1000,
      request: (i) => requests[i % requests.length],
      check: (_i, status, _body, h) =>
        status === 302 && String(h.location ?? "").includes("rk_ref=") && Boolean(h["set-cookie"]),
    });
    log(
      `  redirect at ${sizes.rate}/s offered: achieved ${Math.round(fixed.achievedRate)}/s, p50 ${fixed.latency.p50.toFixed(2)} ms, p99 ${fixed.latency.p99.toFixed(2)} ms, errors ${fixed.errors}`,
    );
    const clicksRecorded = (await countClicks(stack)) - clicksBefore;
    return { ceiling, ceilingFixed, capacity: cap, fixed, clicksRecorded };
  } finally {
    await bare.stop();
  }
}

async function countClicks(stack: Stack): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from clicks");
  return rows[0].n;
}
