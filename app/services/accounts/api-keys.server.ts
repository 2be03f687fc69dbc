import { randomBytes } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import { z } from "zod";
import {
  API_RATE_LIMIT,
  rateDecision,
  type RateDecision,
  type RateLimit,
  tokenUpsert,
} from "~/db/rate-limit.server";
import type { DB } from "~/db/db.server";
import {
  API_KEY_RANDOM_BYTES,
  apiKeyDisplayPrefix,
  apiKeyHashesMatch,
  formatApiKey,
  hashApiKey,
  isWellFormedApiKey,
} from "~/domain/api-key";
import { fieldErrorsOf, type FieldErrors } from "~/domain/accounts";

/** REST API keys of a brand. The full key exists only in createApiKey's return value. */

export const apiKeyNameSchema = z
  .string({ message: "Give the key a name." })
  .trim()
  .min(1, "Give the key a name, e.g. “Production server”.")
  .max(80, "Keep the name under 80 characters.");

export interface CreatedApiKey {
  id: string;
  /** The full secret; show it once, it cannot be recovered. */
  apiKey: string;
  prefix: string;
  name: string;
}

export async function createApiKey(
  db: DB,
  input: { brandId: string; name: string },
): Promise<CreatedApiKey> {
  const name = apiKeyNameSchema.parse(input.name);
  const apiKey = formatApiKey(randomBytes(API_KEY_RANDOM_BYTES));
  const prefix = apiKeyDisplayPrefix(apiKey);
  const row = await db
    .insertInto("api_keys")
    .values({ brand_id: input.brandId, name, prefix, key_hash: hashApiKey(apiKey) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, apiKey, prefix, name };
}

export type CreateApiKeyFromFormResult =
  { ok: true; key: CreatedApiKey } | { ok: false; fieldErrors: FieldErrors<"name"> };

/** Form-facing variant: validation problems come back as field errors, nothing written. */
export async function createApiKeyFromForm(
  db: DB,
  input: { brandId: string; values: Record<string, unknown> },
): Promise<CreateApiKeyFromFormResult> {
  const parsed = z.object({ name: apiKeyNameSchema }).safeParse(input.values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  return {
    ok: true,
    key: await createApiKey(db, { brandId: input.brandId, name: parsed.data.name }),
  };
}

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function listApiKeys(db: DB, brandId: string): Promise<ApiKeySummary[]> {
  const rows = await db
    .selectFrom("api_keys")
    .select(["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"])
    .where("brand_id", "=", brandId)
    .orderBy("revoked_at", (ob) => ob.desc().nullsFirst())
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

const uuid = z.uuid();

/**
 * Revoke one of the brand's keys. Returns null when no such key exists for this brand (another
 * brand's key id is treated as unknown). Revoking twice keeps the first revocation time.
 */
export async function revokeApiKey(
  db: DB,
  input: { brandId: string; id: string; now?: Date },
): Promise<{ id: string; name: string; revokedAt: Date } | null> {
  if (!uuid.safeParse(input.id).success) return null;
  const row = await db
    .updateTable("api_keys")
    .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(input.now ?? new Date())) }))
    .where("id", "=", input.id)
    .where("brand_id", "=", input.brandId)
    .returning(["id", "name", "revoked_at"])
    .executeTakeFirst();
  if (!row?.revoked_at) return null;
  return { id: row.id, name: row.name, revokedAt: row.revoked_at };
}

export interface VerifiedApiKey {
  id: string;
  brandId: string;
  name: string;
}

/** `last_used_at` is recorded at most once per this interval (not a write on every request). */
export const LAST_USED_RESOLUTION_SECONDS = 60;

interface KeyRow {
  id: string;
  brand_id: string;
  name: string;
  key_hash: string;
}

/**
 * One statement: the key by digest (not revoked — a revocation takes effect on the next request),
 * `last_used_at` stamped when it is unset or older than LAST_USED_RESOLUTION_SECONDS, and, when
 * `bucket` is given, that CTE (a token taken for the key) — all in one round trip.
 */
async function lookupKey<B extends object>(
  db: DB,
  presented: string,
  now: Date,
  bucket?: (keyIds: RawBuilder<unknown>) => RawBuilder<B>,
): Promise<(KeyRow & Partial<B>) | null> {
  if (!isWellFormedApiKey(presented)) return null;
  const digest = hashApiKey(presented);
  const result = await sql<KeyRow & Partial<B>>`
    with k as (
      select id, brand_id, name, key_hash from api_keys where key_hash = ${digest} and revoked_at is null
    ), touched as (
      update api_keys set last_used_at = ${now}
       where id = (select id from k)
         and (last_used_at is null
              or last_used_at < ${now}::timestamptz - make_interval(secs => ${LAST_USED_RESOLUTION_SECONDS}))
      returning id
    )${bucket ? sql`, bucket as (${bucket(sql`select id from k`)})` : sql``}
    select k.*${bucket ? sql`, bucket.*` : sql``} from k${bucket ? sql` left join bucket on true` : sql``}`.execute(
    db,
  );
  const row = result.rows[0];
  if (!row || !apiKeyHashesMatch(row.key_hash, digest)) return null;
  return row;
}

/**
 * Authenticate a presented key: shape check, SHA-256 lookup, constant-time digest comparison,
 * not revoked. Records the use in last_used_at (at most once a minute). Returns null for anything else.
 */
export async function verifyApiKey(
  db: DB,
  presented: string,
  now = new Date(),
): Promise<VerifiedApiKey | null> {
  const row = await lookupKey(db, presented, now);
  return row ? { id: row.id, brandId: row.brand_id, name: row.name } : null;
}

/**
 * verifyApiKey and the key's rate-limit token (app/api/rate-limit.server.ts) in one statement:
 * the API's per-request overhead is one round trip. No token is taken for an unknown or revoked
 * key (401 comes before 429, as before).
 */
export async function verifyApiKeyAndTakeToken(
  db: DB,
  presented: string,
  limit: RateLimit = API_RATE_LIMIT,
  now = new Date(),
): Promise<{ key: VerifiedApiKey; rate: RateDecision } | null> {
  const row = await lookupKey(db, presented, now, (keyIds) => tokenUpsert(keyIds, limit));
  if (!row || row.tokens === undefined || row.allowed === undefined) return null;
  return {
    key: { id: row.id, brandId: row.brand_id, name: row.name },
    rate: rateDecision({ tokens: row.tokens, allowed: row.allowed }, limit),
  };
}
