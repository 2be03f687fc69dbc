import Stripe from "stripe";
import type { Config } from "~/config.server";

/** The API version Rekomi speaks: the SDK's own (`2026-10-28.endive` for stripe@23). */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

export const STRIPE_TIMEOUT_MS = 20_000;
export const STRIPE_MAX_NETWORK_RETRIES = 2;

type StripeConnectionOptions = Pick<Stripe.StripeConfig, "host" | "port" | "protocol">;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Where SDK calls go. Unset -> api.stripe.com. `STRIPE_API_BASE=http://127.0.0.1:12111` sends
 * every call to the emulator (or any Stripe-compatible server a test points it at). Plain http is
 * refused in production unless the host is loopback.
 */
export function stripeConnectionOptions(
  config: Pick<Config, "stripeApiBase" | "isProduction">,
): StripeConnectionOptions {
  if (!config.stripeApiBase) return {};
  const url = new URL(config.stripeApiBase);
  const protocol = url.protocol === "http:" ? "http" : "https";
  if (protocol === "http" && config.isProduction && !LOOPBACK.test(url.hostname)) {
    throw new Error(
      `STRIPE_API_BASE: plain http is only allowed for loopback hosts (got ${url.host})`,
    );
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
    protocol,
  };
}

const MAX_CACHED = 200;
const cache = new Map<string, Stripe>();

/**
 * A Stripe client for one brand's key, pinned to STRIPE_API_VERSION, with network retries and a
 * timeout. Clients are cached per (API base, key) in a small LRU so hot paths reuse them.
 */
export function stripeClient(
  config: Pick<Config, "stripeApiBase" | "isProduction">,
  apiKey: string,
): Stripe {
  const cacheKey = `${config.stripeApiBase ?? ""}\u0000${apiKey}`;
  const hit = cache.get(cacheKey);
  if (hit) {
    // Refresh recency: Map iteration order is insertion order.
    cache.delete(cacheKey);
    cache.set(cacheKey, hit);
    return hit;
  }
  const client = new Stripe(apiKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: "Rekomi" },
    ...stripeConnectionOptions(config),
  });
  cache.set(cacheKey, client);
  if (cache.size > MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return client;
}

/** Drop a key's cached client (after disconnect or reconnect). */
export function forgetStripeClient(config: Pick<Config, "stripeApiBase">, apiKey: string): void {
  cache.delete(`${config.stripeApiBase ?? ""}\u0000${apiKey}`);
}

/** Stripe's own message for an API error, or a generic one for anything else. */
export function stripeErrorMessage(error: unknown): string {
  if (error instanceof Stripe.errors.StripeError) {
    if (error.type === "StripeConnectionError") {
      return "Could not reach Stripe. Check your connection and try again.";
    }
    return error.message;
  }
  return "Stripe request failed unexpectedly.";
}

export function isStripeError(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError;
}

export { Stripe };
