/**
 * The brand's Stripe connection: connect (the webhook endpoint created with the key doubles as
 * the key check; key and signing secret stored encrypted), disconnect, status, and the per-brand
 * Stripe client and credentials the rest of the app uses.
 */
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import {
  STRIPE_KEY_PERMISSIONS,
  STRIPE_WEBHOOK_EVENTS,
  type StripeWebhookEventType,
} from "~/stripe/constants";
import {
  STRIPE_API_VERSION,
  forgetStripeClient,
  stripeClient,
  stripeErrorMessage,
  type Stripe,
} from "~/stripe/client.server";

export { STRIPE_KEY_PERMISSIONS, STRIPE_WEBHOOK_EVENTS, type StripeWebhookEventType };

// Checked against the SDK's own list of event names: a typo here fails to compile.
const _enabledEvents: readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[] =
  STRIPE_WEBHOOK_EVENTS;

export const stripeSecretKeySchema = z
  .string({ message: "Paste your Stripe restricted key" })
  .trim()
  .min(1, "Paste your Stripe restricted key")
  .refine((v) => !/^pk_/.test(v), {
    message:
      "That is a publishable key (pk_…). Rekomi needs a restricted key (rk_…) or secret key (sk_…).",
  })
  .refine((v) => /^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$/.test(v), {
    message:
      "Stripe keys start with rk_test_, rk_live_, sk_test_ or sk_live_ followed by letters and digits",
  });

type Ctx = Pick<Config, "appUrl" | "encryptionKey" | "stripeApiBase" | "isProduction">;

export function webhookUrlFor(config: Pick<Config, "appUrl">, brandId: string): string {
  return `${config.appUrl}/webhooks/stripe/${brandId}`;
}

/** `rk_test_51Abc…WXYZ` -> `rk_test_…WXYZ`: enough to recognise the key, useless to anyone else. */
export function maskStripeKey(key: string): string {
  const m = /^((?:sk|rk)_(?:test|live)_)/.exec(key);
  return `${m ? m[1] : ""}…${key.slice(-4)}`;
}

const aad = (brandId: string, column: "secret_key" | "webhook_secret") =>
  `stripe_connections:${brandId}:${column}`;

export interface StripeConnectionStatus {
  connected: boolean;
  webhook_endpoint_id: string | null;
  livemode: boolean | null;
  key_display: string | null;
  connected_at: Date | null;
  updated_at: Date | null;
}

export type ConnectResult =
  | {
      ok: true;
      connection: StripeConnectionStatus;
      replacedEndpointId: string | null;
      warning?: string;
    }
  | { ok: false; field: "secret_key"; message: string; source: "validation" | "stripe" };

/**
 * Connect (or reconnect) a brand's Stripe account: validate the key's shape, create the webhook
 * endpoint on the brand's account (that call doubles as the key check), then store key and signing
 * secret encrypted. On a Stripe error nothing is stored and Stripe's reason is returned. On
 * reconnect the previous endpoint is deleted (best effort) and the row replaced.
 */
export async function connectStripe(
  db: DB,
  config: Ctx,
  brandId: string,
  secretKey: unknown,
): Promise<ConnectResult> {
  const parsed = stripeSecretKeySchema.safeParse(secretKey);
  if (!parsed.success) {
    return {
      ok: false,
      field: "secret_key",
      message: parsed.error.issues[0].message,
      source: "validation",
    };
  }
  const key = parsed.data;
  const created = await createWebhookEndpoint(config, key, brandId);
  if (!created.ok) return created;
  const endpoint = created.endpoint;

  const previous = await loadStripeCredentials(db, config, brandId).catch(() => null);
  const now = new Date();
  const values = {
    secret_key_encrypted: encryptSecret(config.encryptionKey, key, aad(brandId, "secret_key")),
    webhook_secret_encrypted: encryptSecret(
      config.encryptionKey,
      endpoint.secret,
      aad(brandId, "webhook_secret"),
    ),
    webhook_endpoint_id: endpoint.id,
    livemode: endpoint.livemode,
    key_display: maskStripeKey(key),
    updated_at: now,
  };
  let row;
  try {
    row = await db
      .insertInto("stripe_connections")
      .values({ brand_id: brandId, connected_at: now, ...values })
      .onConflict((oc) => oc.column("brand_id").doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    // Do not leave an endpoint behind that nothing can verify.
    await deleteEndpointQuietly(config, key, endpoint.id);
    throw error;
  }

  const { replacedEndpointId, warning } = await retirePreviousEndpoint(
    config,
    previous,
    endpoint.id,
    key,
  );
  return { ok: true, connection: toStatus(row), replacedEndpointId, warning };
}

/** The brand's Stripe webhook endpoint, created with the key (the call doubles as the key check). */
async function createWebhookEndpoint(
  config: Ctx,
  key: string,
  brandId: string,
): Promise<
  | { ok: true; endpoint: Stripe.WebhookEndpoint & { secret: string } }
  | Extract<ConnectResult, { ok: false }>
> {
  let endpoint: Stripe.WebhookEndpoint;
  try {
    endpoint = await stripeClient(config, key).webhookEndpoints.create({
      url: webhookUrlFor(config, brandId),
      enabled_events: [...STRIPE_WEBHOOK_EVENTS],
      api_version: STRIPE_API_VERSION,
      description: "Rekomi affiliate tracking",
      metadata: { rekomi_brand_id: brandId },
    });
  } catch (error) {
    forgetStripeClient(config, key);
    return { ok: false, field: "secret_key", message: stripeErrorMessage(error), source: "stripe" };
  }
  if (!endpoint.secret) {
    await deleteEndpointQuietly(config, key, endpoint.id);
    return {
      ok: false,
      field: "secret_key",
      message: "Stripe did not return a signing secret for the webhook endpoint.",
      source: "stripe",
    };
  }
  return { ok: true, endpoint: endpoint as Stripe.WebhookEndpoint & { secret: string } };
}

/** On reconnect: delete the previous endpoint in Stripe (best effort; a warning when it fails). */
async function retirePreviousEndpoint(
  config: Ctx,
  previous: StripeCredentials | null,
  newEndpointId: string,
  key: string,
): Promise<{ replacedEndpointId: string | null; warning?: string }> {
  if (!previous || previous.webhookEndpointId === newEndpointId)
    return { replacedEndpointId: null };
  let warning: string | undefined;
  const failure = await deleteEndpointQuietly(
    config,
    previous.secretKey,
    previous.webhookEndpointId,
  );
  if (failure) {
    warning = `The previous webhook endpoint ${previous.webhookEndpointId} could not be deleted in Stripe (${failure}). Delete it in the Stripe Dashboard.`;
  }
  if (previous.secretKey !== key) forgetStripeClient(config, previous.secretKey);
  return { replacedEndpointId: previous.webhookEndpointId, warning };
}

export type DisconnectResult =
  | { ok: true; endpointDeleted: boolean; webhookEndpointId: string; warning?: string }
  | { ok: false; reason: "not_connected" };

/** Delete the brand's webhook endpoint in Stripe (best effort, failure reported) and the row. */
export async function disconnectStripe(
  db: DB,
  config: Ctx,
  brandId: string,
): Promise<DisconnectResult> {
  const creds = await loadStripeCredentials(db, config, brandId).catch(() => null);
  const row = await db
    .deleteFrom("stripe_connections")
    .where("brand_id", "=", brandId)
    .returning(["webhook_endpoint_id"])
    .executeTakeFirst();
  if (!row) return { ok: false, reason: "not_connected" };
  if (!creds) {
    return {
      ok: true,
      endpointDeleted: false,
      webhookEndpointId: row.webhook_endpoint_id,
      warning: `The stored key could not be read, so webhook endpoint ${row.webhook_endpoint_id} was not deleted in Stripe. Delete it in the Stripe Dashboard.`,
    };
  }
  const failure = await deleteEndpointQuietly(config, creds.secretKey, creds.webhookEndpointId);
  forgetStripeClient(config, creds.secretKey);
  return failure
    ? {
        ok: true,
        endpointDeleted: false,
        webhookEndpointId: row.webhook_endpoint_id,
        warning: `Webhook endpoint ${row.webhook_endpoint_id} could not be deleted in Stripe (${failure}). Delete it in the Stripe Dashboard.`,
      }
    : { ok: true, endpointDeleted: true, webhookEndpointId: row.webhook_endpoint_id };
}

/** Public view of the connection, without secrets. */
export async function getStripeConnection(
  db: DB,
  _config: Pick<Config, "encryptionKey">,
  brandId: string,
): Promise<StripeConnectionStatus> {
  const row = await db
    .selectFrom("stripe_connections")
    .select([
      "brand_id",
      "webhook_endpoint_id",
      "livemode",
      "key_display",
      "connected_at",
      "updated_at",
    ])
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  return row ? toStatus(row) : NOT_CONNECTED;
}

export interface StripeCredentials {
  brandId: string;
  secretKey: string;
  webhookSecret: string;
  webhookEndpointId: string;
  livemode: boolean;
}

/** Internal only (jobs, intake): the decrypted key and signing secret, or null when not connected. */
export async function loadStripeCredentials(
  db: DB,
  config: Pick<Config, "encryptionKey">,
  brandId: string,
): Promise<StripeCredentials | null> {
  const row = await db
    .selectFrom("stripe_connections")
    .select(["secret_key_encrypted", "webhook_secret_encrypted", "webhook_endpoint_id", "livemode"])
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    brandId,
    secretKey: decryptSecret(
      config.encryptionKey,
      row.secret_key_encrypted,
      aad(brandId, "secret_key"),
    ),
    webhookSecret: decryptSecret(
      config.encryptionKey,
      row.webhook_secret_encrypted,
      aad(brandId, "webhook_secret"),
    ),
    webhookEndpointId: row.webhook_endpoint_id,
    livemode: row.livemode,
  };
}

/** Intake's single query: the signing secret and mode only (the API key is not decrypted). */
export async function loadWebhookSecret(
  db: DB,
  config: Pick<Config, "encryptionKey">,
  brandId: string,
): Promise<{ webhookSecret: string; livemode: boolean } | null> {
  const row = await db
    .selectFrom("stripe_connections")
    .select(["webhook_secret_encrypted", "livemode"])
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    webhookSecret: decryptSecret(
      config.encryptionKey,
      row.webhook_secret_encrypted,
      aad(brandId, "webhook_secret"),
    ),
    livemode: row.livemode,
  };
}

/** A Stripe client for the brand's stored key, or null when not connected. */
export async function stripeForBrand(
  db: DB,
  config: Pick<Config, "encryptionKey" | "stripeApiBase" | "isProduction">,
  brandId: string,
): Promise<Stripe | null> {
  const creds = await loadStripeCredentials(db, config, brandId);
  return creds ? stripeClient(config, creds.secretKey) : null;
}

const NOT_CONNECTED: StripeConnectionStatus = {
  connected: false,
  webhook_endpoint_id: null,
  livemode: null,
  key_display: null,
  connected_at: null,
  updated_at: null,
};

function toStatus(row: {
  webhook_endpoint_id: string;
  livemode: boolean;
  key_display: string;
  connected_at: Date;
  updated_at: Date;
}): StripeConnectionStatus {
  return {
    connected: true,
    webhook_endpoint_id: row.webhook_endpoint_id,
    livemode: row.livemode,
    key_display: row.key_display,
    connected_at: row.connected_at,
    updated_at: row.updated_at,
  };
}

/** Returns null on success (or when the endpoint is already gone), else Stripe's reason. */
async function deleteEndpointQuietly(
  config: Pick<Config, "stripeApiBase" | "isProduction">,
  key: string,
  endpointId: string,
): Promise<string | null> {
  try {
    await stripeClient(config, key).webhookEndpoints.del(endpointId);
    return null;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string };
    if (e.statusCode === 404 || e.code === "resource_missing") return null;
    return stripeErrorMessage(error);
  }
}
