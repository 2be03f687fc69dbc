import { DUMMY_HASH, hashPassword, verifyPassword } from "~/auth/password.server";
import type { DB } from "~/db/db.server";
import type { Transaction } from "kysely";
import type { AffiliateStatus, Brand, Database, Plan, User } from "~/db/schema";
import {
  LOGIN_WINDOW_MINUTES,
  LOGIN_MAX_FAILURES,
  brandSettingsSchema,
  fieldErrorsOf,
  loginLockout,
  signupSchema,
  trialEndsAt,
  type FieldErrors,
} from "~/domain/accounts";

/** Brand accounts: signup, plan changes, brand settings, password login and its throttle. */

export class EmailTakenError extends Error {
  constructor(public readonly email: string) {
    super(`An account with the email ${email} already exists.`);
    this.name = "EmailTakenError";
  }
}

export const EMAIL_TAKEN_MESSAGE = "An account with this email already exists. Log in instead.";

export interface CreateBrandWithOwnerInput {
  brandName: string;
  ownerName: string;
  /** Already normalised (trimmed, lower-case). */
  email: string;
  password: string;
  plan: Plan;
  now?: Date;
}

export interface CreatedBrand {
  brandId: string;
  userId: string;
  trialEndsAt: Date;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === "23505" && e.constraint === constraint;
}

/**
 * Create a brand (14-day trial from `now`), its owner user and the owner membership in one
 * transaction. Throws EmailTakenError when the email already belongs to a user.
 * Used by signup, the operator CLI and the demo seed. Pass a Kysely transaction to make it part
 * of a larger one (the caller then owns commit/rollback).
 */
export async function createBrandWithOwner(
  db: DB | Transaction<Database>,
  input: CreateBrandWithOwnerInput,
): Promise<CreatedBrand> {
  const now = input.now ?? new Date();
  const passwordHash = await hashPassword(input.password);
  const trialEnd = trialEndsAt(now);
  const write = async (trx: Transaction<Database>): Promise<CreatedBrand> => {
    const taken = await trx
      .selectFrom("users")
      .select("id")
      .where("email", "=", input.email)
      .executeTakeFirst();
    if (taken) throw new EmailTakenError(input.email);
    const brand = await trx
      .insertInto("brands")
      .values({ name: input.brandName, plan: input.plan, trial_ends_at: trialEnd, created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    const user = await trx
      .insertInto("users")
      .values({
        email: input.email,
        name: input.ownerName,
        password_hash: passwordHash,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("brand_members")
      .values({ brand_id: brand.id, user_id: user.id, role: "owner", created_at: now })
      .execute();
    return { brandId: brand.id, userId: user.id, trialEndsAt: trialEnd };
  };
  try {
    return db.isTransaction
      ? await write(db as Transaction<Database>)
      : await db.transaction().execute(write);
  } catch (error) {
    // Two signups racing for one email: the unique index decides.
    if (isUniqueViolation(error, "users_email_key")) throw new EmailTakenError(input.email);
    throw error;
  }
}

export type SignupResult =
  | { ok: true; brandId: string; userId: string }
  | {
      ok: false;
      fieldErrors: FieldErrors<"brandName" | "name" | "email" | "password" | "confirmPassword">;
    };

/** Self-serve brand signup: validates the form values, then creates the brand on the Starter trial. */
export async function signupBrand(
  db: DB,
  input: Record<string, unknown>,
  now = new Date(),
): Promise<SignupResult> {
  const parsed = signupSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const v = parsed.data;
  try {
    const created = await createBrandWithOwner(db, {
      brandName: v.brandName,
      ownerName: v.name,
      email: v.email,
      password: v.password,
      plan: "starter",
      now,
    });
    return { ok: true, brandId: created.brandId, userId: created.userId };
  } catch (error) {
    if (error instanceof EmailTakenError)
      return { ok: false, fieldErrors: { email: EMAIL_TAKEN_MESSAGE } };
    throw error;
  }
}

/** Operator action: move a brand to another plan. Returns null when the brand does not exist. */
export async function setBrandPlan(
  db: DB,
  input: { brandId: string; plan: Plan },
): Promise<Brand | null> {
  const row = await db
    .updateTable("brands")
    .set({ plan: input.plan })
    .where("id", "=", input.brandId)
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

export async function findBrand(db: DB, brandId: string): Promise<Brand | null> {
  return (
    (await db.selectFrom("brands").selectAll().where("id", "=", brandId).executeTakeFirst()) ?? null
  );
}

export type UpdateBrandSettingsResult =
  { ok: true; brand: Brand } | { ok: false; fieldErrors: FieldErrors<"name"> };

/** General settings of the caller's brand (currently its display name). */
export async function updateBrandSettings(
  db: DB,
  input: { brandId: string; values: Record<string, unknown> },
): Promise<UpdateBrandSettingsResult> {
  const parsed = brandSettingsSchema.safeParse(input.values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const brand = await db
    .updateTable("brands")
    .set({ name: parsed.data.name })
    .where("id", "=", input.brandId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ok: true, brand };
}

// ---------------------------------------------------------------------------------------------
// Login

export type LoginThrottle = { locked: false } | { locked: true; retryAfterMinutes: number };

/**
 * Is this email+IP locked out? Counts failed attempts inside the window that came after the last
 * successful login of the same email+IP.
 */
export async function checkLoginThrottle(
  db: DB,
  input: { email: string; ip: string; now?: Date },
): Promise<LoginThrottle> {
  const now = input.now ?? new Date();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MINUTES * 60_000);
  const lastSuccess = await db
    .selectFrom("login_attempts")
    .select("created_at")
    .where("email", "=", input.email)
    .where("ip", "=", input.ip)
    .where("succeeded", "=", true)
    .where("created_at", ">", since)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  const failures = await db
    .selectFrom("login_attempts")
    .select("created_at")
    .where("email", "=", input.email)
    .where("ip", "=", input.ip)
    .where("succeeded", "=", false)
    .where("created_at", ">", lastSuccess?.created_at ?? since)
    .orderBy("created_at", "desc")
    .limit(LOGIN_MAX_FAILURES)
    .execute();
  return loginLockout(
    failures.map((f) => f.created_at),
    now,
  );
}

export async function recordLoginAttempt(
  db: DB,
  input: { email: string; ip: string; succeeded: boolean; now?: Date },
): Promise<void> {
  await db
    .insertInto("login_attempts")
    .values({
      email: input.email,
      ip: input.ip,
      succeeded: input.succeeded,
      created_at: input.now ?? new Date(),
    })
    .execute();
}

/**
 * Check an email (already normalised) and password. Unknown emails spend the same scrypt time
 * against DUMMY_HASH so response timing does not reveal which emails have accounts.
 */
export async function verifyCredentials(
  db: DB,
  input: { email: string; password: string },
): Promise<User | null> {
  const user = await db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", input.email)
    .executeTakeFirst();
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
  return user && ok ? user : null;
}

// ---------------------------------------------------------------------------------------------
// Dashboard

export interface BrandDashboard {
  campaignCount: number;
  affiliates: Record<AffiliateStatus, number> & { total: number };
  /** Slug of the oldest campaign, for the "share your join link" step. */
  firstCampaignSlug: string | null;
  apiKeyCount: number;
  stripeConnected: boolean;
}

/** Counts for the brand dashboard; every query is scoped to `brandId`. */
export async function getBrandDashboard(db: DB, brandId: string): Promise<BrandDashboard> {
  const [campaigns, firstCampaign, affiliateRows, apiKeys, stripe] = await Promise.all([
    db
      .selectFrom("campaigns")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("brand_id", "=", brandId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("campaigns")
      .select("slug")
      .where("brand_id", "=", brandId)
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom("affiliates")
      .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("brand_id", "=", brandId)
      .groupBy("status")
      .execute(),
    db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("brand_id", "=", brandId)
      .where("revoked_at", "is", null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("stripe_connections")
      .select("brand_id")
      .where("brand_id", "=", brandId)
      .executeTakeFirst(),
  ]);
  const affiliates = { pending: 0, approved: 0, rejected: 0, suspended: 0, total: 0 };
  for (const row of affiliateRows) {
    affiliates[row.status] = Number(row.n);
    affiliates.total += Number(row.n);
  }
  return {
    campaignCount: Number(campaigns.n),
    affiliates,
    firstCampaignSlug: firstCampaign?.slug ?? null,
    apiKeyCount: Number(apiKeys.n),
    stripeConnected: stripe !== undefined,
  };
}
