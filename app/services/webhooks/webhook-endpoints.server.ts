import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { mapPage, type Page, type PageParams, paginate } from "~/db/keyset.server";
import type { WebhookEndpointRow } from "~/db/schema";
import { fieldErrorsOf, type FieldErrors } from "~/domain/forms";
import { isUuid } from "~/domain/ids";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "~/webhooks/events";
import { generateWebhookSecret } from "~/webhooks/signing";
import { checkWebhookUrl } from "~/webhooks/ssrf.server";

/**
 * Webhook endpoints of a brand: create/edit/enable/disable/delete and secret rotation. Secrets are
 * encrypted at rest (bound to the endpoint id) and the plaintext leaves only in the create and
 * rotate results, to be shown once.
 */

export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
export const MAX_ENDPOINTS_PER_BRAND = 20;

export type EndpointDeps = { config: Pick<Config, "encryptionKey" | "allowPrivateWebhookUrls"> };

export interface WebhookEndpointSummary {
  id: string;
  url: string;
  description: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  /** While set and in the future, the previous secret still signs too. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type EndpointField = "url" | "description" | "eventTypes" | "form";

export function endpointInputSchema(opts: { allowPrivate: boolean }) {
  return z.object({
    url: z
      .string({ message: "Enter the URL that should receive webhooks." })
      .trim()
      .min(1, "Enter the URL that should receive webhooks.")
      .max(2048, "Keep the URL under 2048 characters.")
      .transform((value, ctx) => {
        const check = checkWebhookUrl(value, { allowPrivate: opts.allowPrivate });
        if (!check.ok) {
          ctx.addIssue({ code: "custom", message: check.message });
          return z.NEVER;
        }
        return check.url;
      }),
    description: z
      .string()
      .trim()
      .max(200, "Keep the description under 200 characters.")
      .optional()
      .default(""),
    eventTypes: z
      .preprocess(
        (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]),
        z.array(z.enum(WEBHOOK_EVENT_TYPES, { message: "Choose events from the list." })),
      )
      .refine((v) => v.length > 0, "Choose at least one event.")
      .transform((v) => WEBHOOK_EVENT_TYPES.filter((t) => v.includes(t))),
    /** Only the API sets this at creation; the settings form creates enabled endpoints. */
    enabled: z.boolean().optional().default(true),
  });
}
export type EndpointInput = z.output<ReturnType<typeof endpointInputSchema>>;

const secretContext = (id: string) => `webhook_endpoint:${id}:secret`;
const previousSecretContext = (id: string) => `webhook_endpoint:${id}:previous_secret`;

export function toEndpointSummary(row: WebhookEndpointRow): WebhookEndpointSummary {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: WEBHOOK_EVENT_TYPES.filter((t) => row.event_types.includes(t)),
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    failingSince: row.failing_since,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The secrets that sign right now: the current one, plus the previous one during the overlap. */
export function activeSigningSecrets(
  config: Pick<Config, "encryptionKey">,
  row: Pick<
    WebhookEndpointRow,
    "id" | "secret_encrypted" | "previous_secret_encrypted" | "previous_secret_expires_at"
  >,
  now: Date,
): string[] {
  const secrets = [
    decryptSecret(config.encryptionKey, row.secret_encrypted, secretContext(row.id)),
  ];
  if (
    row.previous_secret_encrypted &&
    row.previous_secret_expires_at &&
    row.previous_secret_expires_at.getTime() > now.getTime()
  ) {
    secrets.push(
      decryptSecret(
        config.encryptionKey,
        row.previous_secret_encrypted,
        previousSecretContext(row.id),
      ),
    );
  }
  return secrets;
}

export type CreateEndpointResult =
  | { ok: true; endpoint: WebhookEndpointSummary; secret: string }
  | { ok: false; fieldErrors: FieldErrors<EndpointField> };

export async function createWebhookEndpoint(
  db: DB,
  deps: EndpointDeps,
  input: { brandId: string; values: Record<string, unknown> },
): Promise<CreateEndpointResult> {
  const parsed = endpointInputSchema({
    allowPrivate: deps.config.allowPrivateWebhookUrls,
  }).safeParse(input.values);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  return db.transaction().execute(async (trx) => {
    // Serialise creates per brand so the limit holds under concurrency.
    await trx
      .selectFrom("brands")
      .select("id")
      .where("id", "=", input.brandId)
      .forUpdate()
      .execute();
    const { n } = await trx
      .selectFrom("webhook_endpoints")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("brand_id", "=", input.brandId)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_ENDPOINTS_PER_BRAND) {
      return {
        ok: false as const,
        fieldErrors: {
          form: `A brand can have at most ${MAX_ENDPOINTS_PER_BRAND} webhook endpoints.`,
        },
      };
    }
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const row = await trx
      .insertInto("webhook_endpoints")
      .values({
        id,
        brand_id: input.brandId,
        url: parsed.data.url,
        description: parsed.data.description,
        event_types: parsed.data.eventTypes,
        enabled: parsed.data.enabled,
        disabled_reason: parsed.data.enabled ? null : "Created disabled.",
        disabled_at: parsed.data.enabled ? null : new Date(),
        secret_encrypted: encryptSecret(deps.config.encryptionKey, secret, secretContext(id)),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true as const, endpoint: toEndpointSummary(row), secret };
  });
}

export type UpdateEndpointResult =
  | { ok: true; endpoint: WebhookEndpointSummary }
  | { ok: false; fieldErrors: FieldErrors<EndpointField> }
  | null;

/** Edit URL, description and events. Null when the endpoint is not the brand's. */
export async function updateWebhookEndpoint(
  db: DB,
  deps: EndpointDeps,
  input: { brandId: string; endpointId: string; values: Record<string, unknown>; now?: Date },
): Promise<UpdateEndpointResult> {
  if (!isUuid(input.endpointId)) return null;
  const parsed = endpointInputSchema({
    allowPrivate: deps.config.allowPrivateWebhookUrls,
  }).safeParse(input.values);
  if (!parsed.success) {
    const exists = await getWebhookEndpoint(db, input.brandId, input.endpointId);
    return exists ? { ok: false, fieldErrors: fieldErrorsOf(parsed.error) } : null;
  }
  const row = await db
    .updateTable("webhook_endpoints")
    .set({
      url: parsed.data.url,
      description: parsed.data.description,
      event_types: parsed.data.eventTypes,
      updated_at: input.now ?? new Date(),
    })
    .where("id", "=", input.endpointId)
    .where("brand_id", "=", input.brandId)
    .returningAll()
    .executeTakeFirst();
  return row ? { ok: true, endpoint: toEndpointSummary(row) } : null;
}

/**
 * Enable or disable an endpoint. Enabling clears the disabled reason and the failure streak;
 * disabling cancels its open deliveries (they can be resent from the log).
 */
export async function setWebhookEndpointEnabled(
  db: DB,
  input: { brandId: string; endpointId: string; enabled: boolean; now?: Date },
): Promise<WebhookEndpointSummary | null> {
  if (!isUuid(input.endpointId)) return null;
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("webhook_endpoints")
      .set(
        input.enabled
          ? {
              enabled: true,
              disabled_reason: null,
              disabled_at: null,
              failing_since: null,
              updated_at: now,
            }
          : {
              enabled: false,
              disabled_reason: "Disabled by a team member.",
              disabled_at: now,
              updated_at: now,
            },
      )
      .where("id", "=", input.endpointId)
      .where("brand_id", "=", input.brandId)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    if (!input.enabled) await cancelOpenDeliveries(trx, row.id, now);
    return toEndpointSummary(row);
  });
}

/** Mark every open delivery of an endpoint cancelled (its queued job then does nothing). */
export async function cancelOpenDeliveries(db: DB, endpointId: string, now: Date): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set({ status: "cancelled", next_attempt_at: null, updated_at: now })
    .where("endpoint_id", "=", endpointId)
    .where("status", "in", ["pending", "failed"])
    .execute();
}

/** Delete an endpoint with its deliveries and attempts (messages stay). */
export async function deleteWebhookEndpoint(
  db: DB,
  input: { brandId: string; endpointId: string },
): Promise<{ id: string; url: string } | null> {
  if (!isUuid(input.endpointId)) return null;
  const row = await db
    .deleteFrom("webhook_endpoints")
    .where("id", "=", input.endpointId)
    .where("brand_id", "=", input.brandId)
    .returning(["id", "url"])
    .executeTakeFirst();
  return row ?? null;
}

/**
 * New signing secret. The old one keeps signing (second signature) for 24 h so receivers can
 * switch without dropping messages. Rotating again during an overlap replaces the previous secret
 * with the one being retired now.
 */
export async function rotateWebhookSecret(
  db: DB,
  deps: EndpointDeps,
  input: { brandId: string; endpointId: string; now?: Date },
): Promise<{ secret: string; previousSecretExpiresAt: Date } | null> {
  if (!isUuid(input.endpointId)) return null;
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", input.endpointId)
      .where("brand_id", "=", input.brandId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return null;
    const key = deps.config.encryptionKey;
    const current = decryptSecret(key, row.secret_encrypted, secretContext(row.id));
    const secret = generateWebhookSecret();
    const previousSecretExpiresAt = new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS);
    await trx
      .updateTable("webhook_endpoints")
      .set({
        secret_encrypted: encryptSecret(key, secret, secretContext(row.id)),
        previous_secret_encrypted: encryptSecret(key, current, previousSecretContext(row.id)),
        previous_secret_expires_at: previousSecretExpiresAt,
        updated_at: now,
      })
      .where("id", "=", row.id)
      .execute();
    return { secret, previousSecretExpiresAt };
  });
}

export async function listWebhookEndpoints(
  db: DB,
  brandId: string,
): Promise<WebhookEndpointSummary[]> {
  const rows = await db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("brand_id", "=", brandId)
    .orderBy("created_at", "asc")
    .orderBy("id")
    .execute();
  return rows.map(toEndpointSummary);
}

/** `GET /api/v1/webhook_endpoints`: one keyset page of the brand's endpoints, newest first. */
export async function listWebhookEndpointsPage(
  db: DB,
  brandId: string,
  page: PageParams,
): Promise<Page<WebhookEndpointSummary>> {
  const rows = await paginate(
    db.selectFrom("webhook_endpoints as e").selectAll("e").where("e.brand_id", "=", brandId),
    "e",
    page,
  );
  return mapPage(rows, toEndpointSummary);
}

export async function getWebhookEndpoint(
  db: DB,
  brandId: string,
  endpointId: string,
): Promise<WebhookEndpointSummary | null> {
  if (!isUuid(endpointId)) return null;
  const row = await db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("id", "=", endpointId)
    .where("brand_id", "=", brandId)
    .executeTakeFirst();
  return row ? toEndpointSummary(row) : null;
}
