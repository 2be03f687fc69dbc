import { afterAll, beforeAll } from "vitest";
import type { AppContext } from "../../app/context.server";
import { testConfig, testContext } from "./context";
import { createTestDatabase, type TestDatabase } from "./db";
import { startTestSmtp, type TestSmtp } from "./smtp";

/**
 * One test file's world for the account and email tests: its own database and a real SMTP server,
 * with the app config pointing at it. Call at the top level of the file (registers the hooks).
 */
export function mailWorld(env: Record<string, string> = {}) {
  let t: TestDatabase | undefined;
  let smtp: TestSmtp | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
    smtp = await startTestSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
    await t?.drop();
  });
  const config = () => testConfig({ SMTP_URL: smtp!.url, ...env });
  return {
    get db() {
      return t!.db;
    },
    get smtp() {
      return smtp!;
    },
    config,
    ctx: (ip = "127.0.0.1"): AppContext => testContext(t!.db, { config: config(), clientIp: ip }),
  };
}
