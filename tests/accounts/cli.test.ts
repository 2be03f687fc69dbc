import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../app/auth/password.server";
import { verifyApiKey } from "../../app/services/accounts/api-keys.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { uniqueEmail } from "./helpers";

let t: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "rekomi-cli-test-"));
});
afterAll(async () => {
  await t.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", "scripts/cli.ts", ...args],
      {
        cwd: path.resolve(__dirname, "../.."),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: "test",
          DATABASE_URL: t.url,
          DATA_DIR: dataDir,
          SESSION_SECRET: "cli-test-session-secret-that-is-long-enough",
          ENCRYPTION_KEY: "1".repeat(64),
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

describe("operator CLI", { timeout: 120_000 }, () => {
  it("brand:create → brand:set-plan → apikey:create, each ending in one JSON line", async () => {
    const email = uniqueEmail("cli");
    const created = await cli(
      "brand:create",
      "--name",
      "CLI Brand",
      "--email",
      email.toUpperCase(),
      "--password",
      "cli-password-1",
      "--plan",
      "growth",
    );
    expect(created.stderr).not.toMatch(/Error/);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created brand "CLI Brand"/);
    const out = lastJson(created.stdout);
    expect(Object.keys(out).sort()).toEqual(["brand_id", "user_id"]);
    const brandId = String(out.brand_id);

    const brand = await t.db
      .selectFrom("brands")
      .selectAll()
      .where("id", "=", brandId)
      .executeTakeFirstOrThrow();
    expect(brand).toMatchObject({ name: "CLI Brand", plan: "growth" });
    const user = await t.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", String(out.user_id))
      .executeTakeFirstOrThrow();
    expect(user.email).toBe(email);
    // Operator-created accounts count as verified (issue 14).
    expect(user.email_verified_at).toBeInstanceOf(Date);
    expect(await verifyPassword("cli-password-1", user.password_hash)).toBe(true);
    const member = await t.db
      .selectFrom("brand_members")
      .selectAll()
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(member).toMatchObject({ brand_id: brandId, role: "owner" });

    const plan = await cli("brand:set-plan", "--brand", brandId, "--plan", "scale");
    expect(plan.code).toBe(0);
    expect(lastJson(plan.stdout)).toEqual({ brand_id: brandId, plan: "scale" });
    expect(
      (
        await t.db
          .selectFrom("brands")
          .select("plan")
          .where("id", "=", brandId)
          .executeTakeFirstOrThrow()
      ).plan,
    ).toBe("scale");

    const key = await cli("apikey:create", "--brand", brandId, "--name", "Ops");
    expect(key.code).toBe(0);
    const keyOut = lastJson(key.stdout);
    expect(Object.keys(keyOut).sort()).toEqual(["api_key", "id"]);
    expect(String(keyOut.api_key)).toMatch(/^rk_live_[0-9A-Za-z]{43}$/);
    expect(await verifyApiKey(t.db, String(keyOut.api_key))).toEqual({
      id: keyOut.id,
      brandId,
      name: "Ops",
    });

    const dup = await cli(
      "brand:create",
      "--name",
      "Again",
      "--email",
      email,
      "--password",
      "cli-password-1",
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it("defaults brand:create to the starter plan", async () => {
    const run = await cli(
      "brand:create",
      "--name",
      "Default Plan",
      "--email",
      uniqueEmail("cli"),
      "--password",
      "cli-password-2",
    );
    expect(run.code).toBe(0);
    const brand = await t.db
      .selectFrom("brands")
      .select("plan")
      .where("id", "=", String(lastJson(run.stdout).brand_id))
      .executeTakeFirstOrThrow();
    expect(brand.plan).toBe("starter");
  });

  it("exits 2 with usage on bad or missing arguments, and writes nothing", async () => {
    const before = await t.db
      .selectFrom("brands")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const cases: string[][] = [
      [],
      ["brand:explode"],
      ["brand:create", "--name", "No Email", "--password", "cli-password-3"],
      ["brand:create", "--name", "Short", "--email", uniqueEmail(), "--password", "short"],
      [
        "brand:create",
        "--name",
        "Gold",
        "--email",
        uniqueEmail(),
        "--password",
        "cli-password-3",
        "--plan",
        "gold",
      ],
      ["brand:set-plan", "--brand", "not-a-uuid", "--plan", "growth"],
      ["brand:set-plan", "--plan", "growth"],
      ["apikey:create", "--brand", "00000000-0000-4000-8000-000000000000", "--bogus", "x"],
    ];
    const runs = await Promise.all(cases.map((args) => cli(...args)));
    runs.forEach((run, i) => {
      expect({ args: cases[i], code: run.code }).toEqual({ args: cases[i], code: 2 });
      expect(run.stderr).toMatch(/Usage: npm run cli/);
      expect(run.stdout).toBe("");
    });
    const after = await t.db
      .selectFrom("brands")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("exits 1 with a clear message for an unknown brand", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    const plan = await cli("brand:set-plan", "--brand", missing, "--plan", "growth");
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(`No brand with id ${missing}`);
    const key = await cli("apikey:create", "--brand", missing);
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(`No brand with id ${missing}`);
  });
});
