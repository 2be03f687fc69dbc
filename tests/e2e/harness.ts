/**
 * Browser-test harness: the PRODUCTION build (`npm run build`) served by `server.ts` with
 * NODE_ENV=production, a separate `npm run worker` process, an embedded PostgreSQL in a temp dir and
 * the Stripe emulator, driven by playwright-core in Debian's Chromium (no browser download).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import {
  freePort,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from "../../app/db/embedded.server";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { linkPath, startTestSmtp, type TestSmtp } from "../helpers/smtp";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = path.resolve("test-results/screenshots");

export interface Stack {
  baseUrl: string;
  emulator: StripeEmulator;
  /** The real SMTP server the web and worker processes send through (SMTP_URL). */
  mail: TestSmtp;
  /**
   * Wait for the newest email to `to` with a link under `pathPrefix` (sent by the worker) and
   * return that link's path.
   */
  emailedLink(to: string, pathPrefix: string, timeoutMs?: number): Promise<string>;
  databaseUrl: string;
  browser: Browser;
  newContext(): Promise<BrowserContext>;
  logs(): string;
  stop(): Promise<void>;
}

function startProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: string[],
): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const push = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) log.push(`[${name}] ${line}`);
  };
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
  return child;
}

async function waitForHttp(url: string, timeoutMs: number, log: string[]): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `Server did not answer at ${url} within ${timeoutMs} ms\n${log.slice(-40).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function startStack(): Promise<Stack> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "rekomi-e2e-"));
  const log: string[] = [];
  let pg: EmbeddedDatabase | undefined;
  let emulator: StripeEmulator | undefined;
  let smtp: TestSmtp | undefined;
  const children: ChildProcess[] = [];
  let browser: Browser | undefined;
  try {
    pg = await startEmbeddedPostgres({ dataDir: tmp, database: "rekomi" });
    emulator = await startStripeEmulator({ port: 0 });
    smtp = await startTestSmtp();
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      APP_URL: baseUrl,
      DATABASE_URL: pg.url,
      DATA_DIR: tmp,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      STRIPE_API_BASE: emulator.url,
      STRIPE_MODE: "live",
      ALLOW_PRIVATE_WEBHOOK_URLS: "1",
      WORKER_CONCURRENCY: "4",
      SMTP_URL: smtp.url,
      MAIL_FROM: "Rekomi <no-reply@rekomi.test>",
    };
    const web = startProcess("web", ["server.ts"], env, log);
    children.push(web);
    await waitForHttp(`${baseUrl}/login`, 60_000, log);
    children.push(startProcess("worker", ["jobs/main.ts"], env, log));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    const b = browser;
    const em = emulator;
    const db = pg;
    const mail = smtp;
    return {
      baseUrl,
      emulator: em,
      mail,
      async emailedLink(to, pathPrefix, timeoutMs = 30_000) {
        const start = Date.now();
        for (;;) {
          const found = mail
            .to(to)
            .reverse()
            .find((m) => m.links.some((l) => new URL(l).pathname.startsWith(pathPrefix)));
          if (found) return linkPath(found, pathPrefix);
          if (Date.now() - start > timeoutMs)
            throw new Error(`no ${pathPrefix} email to ${to}\n${log.join("\n").slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      databaseUrl: db.url,
      browser: b,
      // A regular desktop Chrome user agent: isbot (rightly) treats "HeadlessChrome" as a bot, and
      // the referral link does not count bots' clicks.
      newContext: () =>
        b.newContext({
          baseURL: baseUrl,
          viewport: { width: 1280, height: 860 },
          userAgent:
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
        }),
      logs: () => log.join("\n"),
      async stop() {
        await b.close().catch(() => {});
        await Promise.all(children.map(stopChild));
        await em.close().catch(() => {});
        await mail.close().catch(() => {});
        await db.stop().catch(() => {});
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => {});
    await Promise.all(children.map(stopChild));
    await emulator?.close().catch(() => {});
    await smtp?.close().catch(() => {});
    await pg?.stop().catch(() => {});
    throw error;
  }
}

/**
 * After signup or join ("Check your inbox"): open the verification link from the email the
 * worker sent and confirm, as a person would; the page then signs in.
 */
export async function confirmEmailFromInbox(stack: Stack, page: Page, email: string) {
  await page.getByText("Check your inbox").waitFor();
  await page.goto(await stack.emailedLink(email, "/verify-email/"));
  await page.waitForSelector("html[data-hydrated]");
  await page.getByRole("button", { name: "Confirm my email" }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Run axe-core in the page; returns serious and critical violations. */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; nodes: number }[]> {
  const axePath = path.resolve("node_modules/axe-core/axe.min.js");
  await page.addScriptTag({ path: axePath });
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: { id: string; impact: string; help: string; nodes: unknown[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
  return results.filter((v) => v.impact === "serious" || v.impact === "critical");
}
