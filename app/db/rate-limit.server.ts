import { type RawBuilder, sql } from "kysely";
import type { DB } from "./db.server";

/**
 * Per-API-key token bucket kept in Postgres (docs/decisions/0002-rest-api.md): every web process
 * shares one bucket per key, so the limit holds however many processes run. One upsert per
 * request, made in the same statement as the API key check (verifyApiKeyAndTakeToken); the row
 * lock serialises concurrent requests of the same key only.
 */
export interface RateLimit {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number;
  /** Bucket size (the largest burst). */
  burst: number;
}

export const API_RATE_LIMIT: RateLimit = { ratePerSecond: 100, burst: 200 };

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is available again (only meaningful when refused). */
  retryAfterSeconds: number;
}

export async function takeToken(
  db: DB,
  apiKeyId: string,
  limit: RateLimit = API_RATE_LIMIT,
): Promise<RateDecision> {
  const result = await sql<BucketRow>`${tokenUpsert(sql`select ${apiKeyId}::uuid`, limit)}`.execute(
    db,
  );
  return rateDecision(result.rows[0], limit);
}

/** What the bucket upsert returns. */
export interface BucketRow {
  tokens: number;
  allowed: boolean;
}

/**
 * The bucket upsert for the key id(s) `source` selects (`select <uuid>`), returning
 * `tokens, allowed`. Usable alone (takeToken) or as a data-modifying CTE of a larger statement
 * (the API's key check takes its token in the same round trip).
 */
export function tokenUpsert(
  source: RawBuilder<unknown>,
  limit: RateLimit = API_RATE_LIMIT,
): RawBuilder<BucketRow> {
  const { ratePerSecond: rate, burst } = limit;
  // `excluded.updated_at` is this request's clock; the refill is computed once and reused.
  const refill = sql`least(${burst}::float8, r.tokens + greatest(0, extract(epoch from (excluded.updated_at - r.updated_at))) * ${rate}::float8)`;
  return sql<BucketRow>`
    insert into api_rate_limits as r (api_key_id, tokens, allowed, updated_at)
    select s.id, ${burst - 1}::float8, true, clock_timestamp() from (${source}) as s (id)
    on conflict (api_key_id) do update set
      tokens = case when ${refill} >= 1 then ${refill} - 1 else ${refill} end,
      allowed = ${refill} >= 1,
      updated_at = excluded.updated_at
    returning tokens, allowed`;
}

export function rateDecision(row: BucketRow, limit: RateLimit = API_RATE_LIMIT): RateDecision {
  const tokens = Number(row.tokens);
  return {
    allowed: row.allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterSeconds: row.allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / limit.ratePerSecond)),
  };
}
