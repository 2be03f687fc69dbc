/**
 * The per-process cache of a brand's decrypted webhook secret (intake hot path, issue 9).
 */
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { loadWebhookSecret } from "../stripe-account/stripe-connection.server";

/** How long a brand's decrypted webhook secret is reused without reading stripe_connections. */
export const WEBHOOK_SECRET_CACHE_TTL_MS = 60_000;
const WEBHOOK_SECRET_CACHE_MAX = 10_000;

export interface CachedSecret {
  webhookSecret: string;
  livemode: boolean;
  /** The stored ciphertext: the store statement checks it is still the connection's. */
  cipher: string;
  expires: number;
}

/** Per process and database handle; bounded (oldest dropped first), entries expire. */
const secretCaches = new WeakMap<DB, Map<string, CachedSecret>>();
function secretCache(db: DB): Map<string, CachedSecret> {
  let cache = secretCaches.get(db);
  if (!cache) {
    cache = new Map();
    secretCaches.set(db, cache);
  }
  return cache;
}

export async function webhookSecretFor(
  db: DB,
  config: Pick<Config, "encryptionKey">,
  brandId: string,
  fresh: boolean,
): Promise<(CachedSecret & { cached: boolean }) | null> {
  const cache = secretCache(db);
  const now = Date.now();
  const hit = cache.get(brandId);
  if (hit && !fresh && hit.expires > now) return { ...hit, cached: true };
  cache.delete(brandId);
  // The ciphertext first, then the secret: should a reconnect land in between, the ciphertext is
  // the older one and the store statement's check fails (then everything is read again).
  const row = await db
    .selectFrom("stripe_connections")
    .select("webhook_secret_encrypted")
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  if (!row) return null;
  const secret = await loadWebhookSecret(db, config, brandId);
  if (!secret) return null;
  const entry: CachedSecret = {
    ...secret,
    cipher: row.webhook_secret_encrypted,
    expires: now + WEBHOOK_SECRET_CACHE_TTL_MS,
  };
  if (cache.size >= WEBHOOK_SECRET_CACHE_MAX) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(brandId, entry);
  return { ...entry, cached: false };
}

/** Drop a brand's cached secret (the connection changed since it was read). */
export function forgetWebhookSecret(db: DB, brandId: string): void {
  secretCache(db).delete(brandId);
}
