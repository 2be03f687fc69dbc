import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../app/config.server";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "rekomi-cfg-"));

describe("environment parsing", () => {
  it("applies the documented defaults in development", () => {
    const dataDir = tmp();
    const result = parseConfig({ DATA_DIR: dataDir });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.port).toBe(3000);
    expect(result.config.appUrl).toBe("http://localhost:3000");
    expect(result.config.stripeMode).toBe("emulator");
    expect(result.config.databaseUrl).toBeUndefined();
    expect(result.config.workerConcurrency).toBe(5);
    expect(result.config.secureCookies).toBe(false);
    expect(result.config.encryptionKey).toHaveLength(32);
    expect(result.config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    // Dev secrets are generated once and reused on the next start.
    const again = parseConfig({ DATA_DIR: dataDir });
    expect(again.ok && again.config.sessionSecret).toBe(result.config.sessionSecret);
  });

  it("marks cookies Secure and strips trailing slashes for an https APP_URL", () => {
    const result = parseConfig({ DATA_DIR: tmp(), APP_URL: "https://rekomi.example.com/" });
    expect(result.ok && result.config.appUrl).toBe("https://rekomi.example.com");
    expect(result.ok && result.config.secureCookies).toBe(true);
  });

  it("reports one line per bad variable", () => {
    const result = parseConfig({
      DATA_DIR: tmp(),
      PORT: "eighty",
      DATABASE_URL: "mysql://nope",
      SESSION_SECRET: "short",
      ENCRYPTION_KEY: "abc",
      STRIPE_MODE: "sandbox",
      WORKER_CONCURRENCY: "0",
      APP_URL: "not a url",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const names = result.errors.map((l) => l.split(":")[0]).sort();
    expect(names).toEqual(
      [
        "APP_URL",
        "DATABASE_URL",
        "ENCRYPTION_KEY",
        "PORT",
        "SESSION_SECRET",
        "STRIPE_MODE",
        "WORKER_CONCURRENCY",
      ].sort(),
    );
    expect(result.errors).toContain('PORT: must be an integer between 1 and 65535 (got "eighty")');
    expect(result.errors).toContain('SESSION_SECRET: must be at least 32 characters (got "short")');
  });

  it("requires real secrets and APP_URL in production", () => {
    const result = parseConfig({ NODE_ENV: "production", DATA_DIR: tmp() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((l) => l.split(":")[0])).toEqual([
      "SESSION_SECRET",
      "ENCRYPTION_KEY",
      "APP_URL",
    ]);
  });

  it("makes the process exit at start with a clear line per bad variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "jobs/main.ts"], {
      env: {
        ...process.env,
        NODE_ENV: "development",
        DATA_DIR: tmp(),
        PORT: "99999",
        STRIPE_MODE: "x",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Rekomi cannot start: invalid environment.");
    expect(run.stderr).toContain('PORT: must be an integer between 1 and 65535 (got "99999")');
    expect(run.stderr).toContain('STRIPE_MODE: must be "emulator" or "live" (got "x")');
  });
});
