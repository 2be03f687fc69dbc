import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Environment contract (DESIGN.md section 7). Parsed once at process start; a bad value makes the
 * process exit with one line per bad variable.
 */
const boolish = z
  .enum(["0", "1", "true", "false", ""])
  .optional()
  .transform((v) => v === "1" || v === "true");

/** An integer setting within [min, max], with one message for every way it can be wrong. */
function intBetween(min: number, max: number) {
  const message = `must be an integer between ${min} and ${max}`;
  return z.coerce.number({ message }).int(message).min(min, message).max(max, message);
}

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: "must be a postgres:// or postgresql:// URL",
    }),
  DATA_DIR: z.string().min(1).default(".data"),
  PORT: intBetween(1, 65535).default(3000),
  APP_URL: z
    .url({
      protocol: /^https?$/,
      message: "must be an http(s) URL such as https://rekomi.example.com",
    })
    .optional(),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "must be 32 bytes written as 64 hex characters")
    .optional(),
  STRIPE_API_BASE: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://127.0.0.1:12111" })
    .optional(),
  STRIPE_MODE: z.enum(["emulator", "live"], { message: 'must be "emulator" or "live"' }).optional(),
  ALLOW_PRIVATE_WEBHOOK_URLS: boolish,
  WORKER_CONCURRENCY: intBetween(1, 100).default(5),
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      message: "must be an smtp:// or smtps:// URL such as smtp://user:pass@smtp.example.com:587",
    })
    .optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .min(3, 'must be a sender such as "Rekomi <no-reply@example.com>"')
    .max(320)
    .refine((v) => /@/.test(v) && !/[\r\n]/.test(v), {
      message: 'must be a sender such as "Rekomi <no-reply@example.com>"',
    })
    .optional(),
});

export interface Config {
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  appUrl: string;
  secureCookies: boolean;
  sessionSecret: string;
  encryptionKey: Buffer;
  stripeApiBase: string | undefined;
  stripeMode: "emulator" | "live";
  allowPrivateWebhookUrls: boolean;
  workerConcurrency: number;
  /** Outgoing mail server. Unset outside production: `npm run dev` starts one in-process. */
  smtpUrl: string | undefined;
  /** The From header of every email. */
  mailFrom: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

interface DevSecrets {
  sessionSecret: string;
  encryptionKey: string;
}

/** Dev and test only: secrets generated once and kept under DATA_DIR so restarts reuse them. */
function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, "dev-secrets.json");
  if (existsSync(file)) {
    return JSON.parse(readFileSync(file, "utf8")) as DevSecrets;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets: DevSecrets = {
    sessionSecret: randomBytes(32).toString("hex"),
    encryptionKey: randomBytes(32).toString("hex"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Pure parse of an environment; reads/writes dev secrets only outside production. */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const cleaned: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    cleaned[key] = value === "" && key !== "ALLOW_PRIVATE_WEBHOOK_URLS" ? undefined : value;
  }
  const parsed = envSchema.safeParse(cleaned);
  const errors: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "environment");
      const got = env[name];
      errors.push(`${name}: ${issue.message}${got !== undefined ? ` (got "${got}")` : ""}`);
    }
    return { ok: false, errors };
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  if (isProduction) {
    if (!e.SESSION_SECRET)
      errors.push("SESSION_SECRET: is required in production (at least 32 characters)");
    if (!e.ENCRYPTION_KEY)
      errors.push("ENCRYPTION_KEY: is required in production (64 hex characters)");
    if (!e.APP_URL) errors.push("APP_URL: is required in production (the public base URL)");
  }
  if (errors.length > 0) return { ok: false, errors };

  const dataDir = path.resolve(e.DATA_DIR);
  const secrets = !e.SESSION_SECRET || !e.ENCRYPTION_KEY ? devSecrets(dataDir) : undefined;
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return {
    ok: true,
    config: {
      nodeEnv: e.NODE_ENV,
      isProduction,
      databaseUrl: e.DATABASE_URL,
      dataDir,
      port: e.PORT,
      appUrl,
      secureCookies: appUrl.startsWith("https://"),
      sessionSecret: e.SESSION_SECRET ?? secrets!.sessionSecret,
      encryptionKey: Buffer.from(e.ENCRYPTION_KEY ?? secrets!.encryptionKey, "hex"),
      stripeApiBase: e.STRIPE_API_BASE,
      stripeMode: e.STRIPE_MODE ?? (isProduction ? "live" : "emulator"),
      allowPrivateWebhookUrls: e.ALLOW_PRIVATE_WEBHOOK_URLS,
      workerConcurrency: e.WORKER_CONCURRENCY,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM ?? `Rekomi <no-reply@${new URL(appUrl).hostname}>`,
    },
  };
}

/** Parse process.env or exit(1) with one clear line per bad variable. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  const result = parseConfig(env);
  if (!result.ok) {
    console.error("Rekomi cannot start: invalid environment.");
    for (const line of result.errors) console.error(`  ${line}`);
    process.exit(1);
  }
  return result.config;
}
