import { hashPassword } from "~/auth/password.server";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Transaction } from "kysely";
import type { AffiliateStatus, Brand, Database, Plan } from "~/db/schema";
import {
  brandSettingsSchema,
  fieldErrorsOf,
  trialEndsAt,
  type FieldErrors,
} from "~/domain/accounts";
import { signupSchema } from "~/domain/signup";
import { sendVerificationEmail, tellAlreadyRegistered } from "./email-verification.server";

/** Brand accounts: signup, plan changes, brand settings, the dashboard counts. */

export class EmailTakenError extends Error {
  constructor(public readonly email: string) {
    super(`An account with the email ${email} already exists.`);
    this.name = "EmailTakenError";
  }
}

export interface CreateBrandWithOwnerInput {
  brandName: string;
  ownerName: string;
  /** Already normalised (trimmed, lower-case). */
  email: string;
  password: string;
  plan: Plan;
  /** Trusted callers only (operator CLI, demo seed): the address counts as verified. */
  verified?: boolean;
  /** More writes in the same transaction (e.g. the verification email). */
  afterCreate?: (
    trx: Transaction<Database>,
    created: { brandId: string; userId: string },
  ) => Promise<void>;
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
        email_verified_at: input.verified ? now : null,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("brand_members")
      .values({ brand_id: brand.id, user_id: user.id, role: "owner", created_at: now })
      .execute();
    await input.afterCreate?.(trx, { brandId: brand.id, userId: user.id });
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
  | { ok: true; email: string }
  | {
      ok: false;
      fieldErrors: FieldErrors<"brandName" | "name" | "email" | "password" | "confirmPassword">;
    };

/**
 * Self-serve brand signup: validates the form values, then creates the brand on the Starter trial
 * with an unverified owner and emails the verification link. The answer is the same whether or
 * not the address already has an account (that address gets an "already registered" email
 * instead), so signup never reveals which emails have accounts.
 */
export async function signupBrand(
  db: DB,
  config: Pick<Config, "appUrl">,
  input: Record<string, unknown>,
  now = new Date(),
): Promise<SignupResult> {
  const parsed = signupSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const v = parsed.data;
  try {
    await createBrandWithOwner(db, {
      brandName: v.brandName,
      ownerName: v.name,
      email: v.email,
      password: v.password,
      plan: "starter",
      now,
      afterCreate: (trx, created) =>
        sendVerificationEmail(trx, config, {
          userId: created.userId,
          email: v.email,
          name: v.name,
        }),
    });
  } catch (error) {
    if (!(error instanceof EmailTakenError)) throw error;
    await tellAlreadyRegistered(db, config, { email: v.email, what: "start a Rekomi trial" });
  }
  return { ok: true, email: v.email };
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
