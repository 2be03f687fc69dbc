import { sql } from "kysely";
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { addJob } from "~/db/jobs.server";
import type { StripeEventRow, StripeEventStatus } from "~/db/schema";
import { GroupCommitWriter, writerPerKey } from "~/db/group-commit.server";
import { findTextProblem, jsonTooDeep, MAX_JSON_DEPTH } from "~/domain/text-hygiene";
import { Stripe, stripeClient } from "~/stripe/client.server";
import { handlePromotionCodeUpdated } from "../campaigns/affiliate-codes.server";
import { attributionHandlers } from "./attribution.server";
import { handleCouponDeleted } from "../campaigns/campaign-coupons.server";
import { queueNotification } from "../notifications/notification-events.server";
import {
  STRIPE_WEBHOOK_EVENTS,
  loadStripeCredentials,
  loadWebhookSecret,
  type StripeWebhookEventType,
} from "../stripe-account/stripe-connection.server";

export const PROCESS_STRIPE_EVENT_TASK = "stripe__process_event";
/** Stripe's own default; signatures older than this are rejected (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
const MAX_ERROR_LENGTH = 2000;

const HANDLED = new Set<string>(STRIPE_WEBHOOK_EVENTS);

export function isHandledEventType(type: string): type is StripeWebhookEventType {
  return HANDLED.has(type);
}

export const processJobKey = (eventRowId: string) => `stripe_event:${eventRowId}`;

/** The parts of a Stripe event Rekomi relies on; anything else passes through untouched. */
const stripeEventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal("event"),
  type: z.string().min(1).max(255),
  livemode: z.boolean(),
  api_version: z.string().max(64).nullish(),
  // Unix seconds; the cap (year 9999) keeps `new Date(created * 1000)` a valid timestamp.
  created: z.number().int().nonnegative().max(253_402_300_799),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});

export type IntakeResult =
  | { kind: "not_found" }
  | { kind: "rejected"; message: string }
  | { kind: "stored"; duplicate: boolean; eventRowId: string; status: StripeEventStatus };

/**
 * Webhook intake for one brand. Verifies the signature with the brand's secret, then in ONE
 * statement (so one transaction) stores the event (unique per brand + event id) and, only when the
 * row is new and the event is one Rekomi handles, enqueues its processing job. Database errors
 * propagate (the route turns them into a 5xx so Stripe retries); nothing is written on any
 * rejection.
 *
 * Hot path (issue 9): the brand's decrypted secret is cached per process (webhookSecretFor); the
 * store statement inserts only while the connection row still holds the very secret (ciphertext)
 * and livemode the event was checked with, so a reconnect or disconnect takes effect at once: the
 * event is then checked again against a fresh read. A signature that fails against a cached secret
 * is also checked once more against a fresh read before the 400, so a rotated secret never rejects
 * good events. Concurrent events share one statement (group commit, see storeEvents); each caller
 * is answered only after the statement carrying its row and job committed.
 */
export async function intakeStripeEvent(
  db: DB,
  config: Pick<Config, "encryptionKey">,
  input: { brandId: string; rawBody: string; signature: string | null },
): Promise<IntakeResult> {
  if (!z.uuid().safeParse(input.brandId).success) return { kind: "not_found" };
  // Ids are stored lowercase (and the secret's encryption context uses the stored form).
  const brandId = input.brandId.toLowerCase();
  let fresh = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    const connection = await webhookSecretFor(db, config, brandId, fresh);
    if (!connection) return { kind: "not_found" };
    const checked = checkEvent(input, connection);
    if (checked.kind === "bad_signature") {
      // The cached secret may be outdated (reconnected since): re-read once before refusing.
      if (connection.cached && !fresh) {
        fresh = true;
        continue;
      }
      return { kind: "rejected", message: checked.message };
    }
    if (checked.kind === "rejected") return checked;
    const stored = await eventWriter(db).write({
      ...checked.row,
      brandId,
      secretCipher: connection.cipher,
      connectionLivemode: connection.livemode,
    });
    if (stored.kind === "stale") {
      // The connection changed since the secret was read: check the event again against it.
      secretCache(db).delete(brandId);
      fresh = true;
      continue;
    }
    return {
      kind: "stored",
      duplicate: stored.kind === "duplicate",
      eventRowId: stored.id,
      status: stored.status,
    };
  }
  throw new Error("The brand's Stripe connection kept changing during intake; retry later");
}

interface EventRow {
  stripeEventId: string;
  type: string;
  livemode: boolean;
  apiVersion: string | null;
  stripeCreatedAt: Date;
  payload: string;
  status: StripeEventStatus;
  error: string | null;
}

type CheckResult =
  | { kind: "bad_signature"; message: string }
  | { kind: "rejected"; message: string }
  | { kind: "ok"; row: EventRow };

/** Signature, JSON, event shape and storability; what to store when all pass. No I/O. */
function checkEvent(
  input: { rawBody: string; signature: string | null },
  connection: { webhookSecret: string; livemode: boolean },
): CheckResult {
  if (!input.signature) return { kind: "rejected", message: "Missing Stripe-Signature header" };
  // Before any parsing: PostgreSQL's jsonb (and every recursive walker) has a depth limit.
  if (jsonTooDeep(input.rawBody))
    return { kind: "rejected", message: `Body nests deeper than ${MAX_JSON_DEPTH} levels` };
  let parsed: unknown;
  try {
    parsed = Stripe.webhooks.constructEvent(
      input.rawBody,
      input.signature,
      connection.webhookSecret,
      WEBHOOK_TOLERANCE_SECONDS,
    );
  } catch (error) {
    if (error instanceof SyntaxError)
      return { kind: "rejected", message: "Body is not valid JSON" };
    const message = error instanceof Error ? error.message : "";
    if (message.startsWith("Timestamp outside the tolerance zone")) {
      return { kind: "rejected", message: "Signature timestamp is older than 300 seconds" };
    }
    return { kind: "bad_signature", message: "Invalid Stripe-Signature" };
  }
  // Stripe's check only bounds the age; a timestamp from the future is refused too (replays).
  const t = signatureTimestamp(input.signature);
  if (t !== null && t > Date.now() / 1000 + WEBHOOK_TOLERANCE_SECONDS)
    return {
      kind: "rejected",
      message: `Signature timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds in the future`,
    };
  const event = stripeEventSchema.safeParse(parsed);
  if (!event.success) return { kind: "rejected", message: "Body is not a Stripe event" };
  // PostgreSQL jsonb cannot hold U+0000 or unpaired surrogates; Stripe never sends them.
  if (findTextProblem(parsed))
    return {
      kind: "rejected",
      message: "Body contains text that cannot be stored (NUL or unpaired surrogate)",
    };
  const e = event.data;

  let status: StripeEventStatus = "pending";
  let reason: string | null = null;
  if (!isHandledEventType(e.type)) {
    status = "ignored";
    reason = `Rekomi does not use ${e.type} events`;
  } else if (e.livemode !== connection.livemode) {
    status = "ignored";
    reason = `A ${e.livemode ? "live" : "test"}-mode event, but the connection is in ${connection.livemode ? "live" : "test"} mode`;
  }
  return {
    kind: "ok",
    row: {
      stripeEventId: e.id,
      type: e.type,
      livemode: e.livemode,
      apiVersion: e.api_version ?? null,
      stripeCreatedAt: new Date(e.created * 1000),
      payload: input.rawBody,
      status,
      error: reason,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook secret cache

/** How long a brand's decrypted webhook secret is reused without reading stripe_connections. */
export const WEBHOOK_SECRET_CACHE_TTL_MS = 60_000;
const WEBHOOK_SECRET_CACHE_MAX = 10_000;

interface CachedSecret {
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

async function webhookSecretFor(
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

// ---------------------------------------------------------------------------------------------
// Storing events: group commit, one statement per batch

interface EventWrite extends EventRow {
  brandId: string;
  /** The connection the event was verified with; the row is stored only while it is current. */
  secretCipher: string;
  connectionLivemode: boolean;
}

type StoreResult =
  { kind: "inserted" | "duplicate"; id: string; status: StripeEventStatus } | { kind: "stale" };

/**
 * Store a batch of verified events in ONE statement (one implicit transaction): insert the events
 * whose brand's connection still has the secret they were verified with (on conflict do nothing),
 * and `graphile_worker.add_jobs` one processing job per new pending row. Duplicates in the batch
 * are written once. Returns one result per event, in order.
 */
async function storeEvents(db: DB, events: EventWrite[]): Promise<StoreResult[]> {
  const keyOf = (e: EventWrite) => `${e.brandId}\u0000${e.stripeEventId}`;
  const firstIndex = new Map<string, number>();
  const unique: EventWrite[] = [];
  for (const e of events) {
    if (!firstIndex.has(keyOf(e))) {
      firstIndex.set(keyOf(e), unique.length);
      unique.push(e);
    }
  }
  const col = <T>(f: (e: EventWrite) => T) => unique.map(f);
  // PL/pgSQL (migrations/0011_hot_path_writes.ts) so the statement's plan is cached per connection.
  const { rows } = await sql<{
    ord: number;
    connected: boolean;
    inserted_id: string | null;
    inserted_status: StripeEventStatus | null;
    existing_id: string | null;
    existing_status: StripeEventStatus | null;
  }>`
    select r_ord as ord, r_connected as connected, r_inserted_id as inserted_id, r_inserted_status as inserted_status,
           r_existing_id as existing_id, r_existing_status as existing_status
    from rekomi_store_stripe_events(
      ${col((e) => e.brandId)}::uuid[], ${col((e) => e.stripeEventId)}::text[], ${col((e) => e.type)}::text[],
      ${col((e) => e.livemode)}::boolean[], ${col((e) => e.apiVersion)}::text[], ${col((e) => e.stripeCreatedAt)}::timestamptz[],
      ${col((e) => e.payload)}::text[], ${col((e) => e.status)}::text[], ${col((e) => e.error)}::text[],
      ${col((e) => e.secretCipher)}::text[], ${col((e) => e.connectionLivemode)}::boolean[], ${PROCESS_STRIPE_EVENT_TASK}::text
    )`.execute(db);

  const results: StoreResult[] = rows.map((r) => {
    if (!r.connected) return { kind: "stale" };
    if (r.inserted_id) return { kind: "inserted", id: r.inserted_id, status: r.inserted_status! };
    return { kind: "duplicate", id: r.existing_id ?? "", status: r.existing_status ?? "pending" };
  });
  // A duplicate of a row another transaction committed while this statement waited on it is not in
  // the statement's snapshot: read those now.
  const unseen = rows
    .filter((r) => r.connected && !r.inserted_id && !r.existing_id)
    .map((r) => unique[r.ord - 1]);
  if (unseen.length > 0) {
    const found = await db
      .selectFrom("stripe_events")
      .select(["id", "brand_id", "stripe_event_id", "status"])
      .where((eb) =>
        eb.or(
          unseen.map((e) =>
            eb.and([eb("brand_id", "=", e.brandId), eb("stripe_event_id", "=", e.stripeEventId)]),
          ),
        ),
      )
      .execute();
    for (const f of found) {
      const i = firstIndex.get(`${f.brand_id}\u0000${f.stripe_event_id}`)!;
      results[i] = { kind: "duplicate", id: f.id, status: f.status };
    }
    if (results.some((r) => r.kind === "duplicate" && r.id === ""))
      throw new Error("stored event not found after a conflict");
  }
  return events.map((e) => {
    const at = firstIndex.get(keyOf(e))!;
    const r = results[at];
    // Later copies of an event in the same batch are duplicates of the first.
    if (unique[at] !== e && r.kind === "inserted") return { ...r, kind: "duplicate" };
    return r;
  });
}

const eventWriter = writerPerKey(
  (db: DB) =>
    new GroupCommitWriter<EventWrite, StoreResult>((batch) => storeEvents(db, batch), {
      maxBatch: 200,
      // A batch carries at most ~4 MB of payload (one 1 MB event always fits).
      weight: (e) => e.payload.length,
      maxWeight: 4 * 1024 * 1024,
    }),
);

/** Group-commit statistics of this process's intake writer for `db` (tests, diagnostics). */
export function intakeWriterStats(db: DB) {
  return eventWriter(db).stats;
}

/** `t=` of a Stripe-Signature header (unix seconds), or null. */
function signatureTimestamp(header: string): number | null {
  const m = /(?:^|,)\s*t=(\d{1,12})\s*(?:,|$)/.exec(header);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// Processing

export interface StripeEventDeps {
  config: Pick<Config, "encryptionKey" | "stripeApiBase" | "isProduction">;
}

export interface StripeEventContext {
  /** The transaction the event is processed in; writes here commit with the "processed" mark. */
  trx: DB;
  deps: StripeEventDeps;
  brandId: string;
  row: StripeEventRow;
  event: Stripe.Event;
  /** The brand's Stripe client (built on first use); throws when the brand is not connected. */
  stripe(): Promise<Stripe>;
  /** What the handler's `gather` phase returned (undefined when it has none). */
  gathered?: unknown;
}

/** The `gather` phase's view: no transaction, no lock held; for Stripe reads (and plain db reads). */
export interface GatherContext {
  db: DB;
  deps: StripeEventDeps;
  brandId: string;
  row: StripeEventRow;
  event: Stripe.Event;
  stripe(): Promise<Stripe>;
}

/**
 * A handler is its apply phase: it runs inside the transaction that marks the event processed
 * (holding the event row's lock), so it should only write. A handler may carry a `gather` phase,
 * run first OUTSIDE any transaction, to make its Stripe calls; its result reaches the apply
 * phase as `ctx.gathered`. Both phases must be safe to repeat (a retried job runs them again).
 */
export interface StripeEventHandler {
  (ctx: StripeEventContext): Promise<void>;
  gather?: (ctx: GatherContext) => Promise<unknown>;
}

/**
 * One handler per event type Rekomi subscribes to: attribution (invoice/subscription/checkout,
 * invoice payments), clawbacks (charge.refunded) and coupon sync (promotion_code.updated,
 * coupon.deleted). Handlers must be idempotent (unique keys on Stripe object ids): a retried job
 * may run one again after a failure.
 */
export const stripeEventHandlers: Record<StripeWebhookEventType, StripeEventHandler> = {
  // Attribution, refunds and clawbacks (app/services/attribution/attribution.server.ts).
  ...attributionHandlers,
  "promotion_code.updated": async ({ trx, brandId, event }) => {
    await handlePromotionCodeUpdated(trx, brandId, event.data.object as Stripe.PromotionCode);
  },
  "coupon.deleted": async ({ trx, brandId, event }) => {
    await handleCouponDeleted(trx, brandId, event.data.object as Stripe.Coupon);
  },
};

/** Failed attempts of one event after which the brand's owners are emailed. */
export const STRIPE_FAILURE_NOTIFY_ATTEMPTS = 3;

export type ProcessOutcome = "processed" | "ignored" | "skipped" | "missing";

/**
 * Process one stored event, exactly once: the handler's `gather` phase (Stripe reads) runs first,
 * outside any transaction; then the row is locked for the apply phase only, events already
 * processed or ignored are skipped, and the handler's writes commit together with the
 * "processed" mark. On error the row is marked failed (attempts + 1, message kept) and the error
 * is rethrown so graphile-worker retries with backoff.
 */
export async function processStripeEvent(
  db: DB,
  deps: StripeEventDeps,
  eventRowId: string,
  handlers: Partial<Record<string, StripeEventHandler>> = stripeEventHandlers,
): Promise<ProcessOutcome> {
  try {
    // Gather phase (Stripe calls) before the transaction, so the row lock is held only for writes.
    const peek = await db
      .selectFrom("stripe_events")
      .selectAll()
      .where("id", "=", eventRowId)
      .executeTakeFirst();
    if (!peek) return "missing";
    if (peek.status === "processed" || peek.status === "ignored") return "skipped";
    let client: Stripe | undefined;
    const stripe = async () => {
      if (client) return client;
      const creds = await loadStripeCredentials(db, deps.config, peek.brand_id);
      if (!creds) throw new Error("Stripe is not connected for this brand");
      client = stripeClient(deps.config, creds.secretKey);
      return client;
    };
    const gather = handlers[peek.type]?.gather;
    const gathered = gather
      ? await gather({
          db,
          deps,
          brandId: peek.brand_id,
          row: peek,
          event: peek.payload as unknown as Stripe.Event,
          stripe,
        })
      : undefined;

    return await db.transaction().execute(async (trx) => {
      // Only the status is read again (the payload is immutable: the peek's copy is used).
      const locked = await trx
        .selectFrom("stripe_events")
        .select(["status", "attempts", "error"])
        .where("id", "=", eventRowId)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      // Missing: deleted with its brand. Locked: another worker holds it and will finish it.
      if (!locked) return "missing";
      const row: StripeEventRow = { ...peek, ...locked };
      if (row.status === "processed" || row.status === "ignored") return "skipped";
      const handler = handlers[row.type];
      if (!handler) {
        await trx
          .updateTable("stripe_events")
          .set({ status: "ignored", error: `Rekomi does not use ${row.type} events` })
          .where("id", "=", row.id)
          .execute();
        return "ignored";
      }
      await handler({
        trx,
        deps,
        brandId: row.brand_id,
        row,
        event: row.payload as unknown as Stripe.Event,
        gathered,
        stripe,
      });
      await trx
        .updateTable("stripe_events")
        .set({
          status: "processed",
          error: null,
          attempts: sql<number>`attempts + 1`,
          processed_at: new Date(),
        })
        .where("id", "=", row.id)
        .execute();
      return "processed";
    });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(
      0,
      MAX_ERROR_LENGTH,
    );
    try {
      await db.transaction().execute(async (trx) => {
        const failed = await trx
          .updateTable("stripe_events")
          .set({
            status: "failed",
            error: message || "Unknown error",
            attempts: sql<number>`attempts + 1`,
          })
          .where("id", "=", eventRowId)
          .where("status", "not in", ["processed", "ignored"])
          .returning(["attempts", "brand_id"])
          .executeTakeFirst();
        // Tell the brand's owners once the event keeps failing (at most one email per brand a day).
        if (failed?.attempts === STRIPE_FAILURE_NOTIFY_ATTEMPTS)
          await queueNotification(
            trx,
            { kind: "stripe_events_failing", eventRowId },
            {
              jobKey: `notify:stripe_events_failing:${failed.brand_id}:${new Date().toISOString().slice(0, 10)}`,
            },
          );
      });
    } catch {
      // The database itself is failing; the retry will record the outcome. Keep the original error.
    }
    throw error;
  }
}

export type RetryResult = { ok: true } | { ok: false; reason: "not_found" | "not_failed" };

/** Re-enqueue a failed event now (scoped to the brand). Replaces any pending retry of the job. */
export async function retryStripeEvent(
  db: DB,
  brandId: string,
  eventRowId: string,
): Promise<RetryResult> {
  if (!z.uuid().safeParse(eventRowId).success) return { ok: false, reason: "not_found" };
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("stripe_events")
      .set({ status: "pending", error: null })
      .where("id", "=", eventRowId)
      .where("brand_id", "=", brandId)
      .where("status", "=", "failed")
      .returning(["id"])
      .executeTakeFirst();
    if (!updated) {
      const exists = await trx
        .selectFrom("stripe_events")
        .select("id")
        .where("id", "=", eventRowId)
        .where("brand_id", "=", brandId)
        .executeTakeFirst();
      return { ok: false, reason: exists ? "not_failed" : "not_found" } as const;
    }
    await addJob(
      trx,
      PROCESS_STRIPE_EVENT_TASK,
      { eventRowId },
      { jobKey: processJobKey(eventRowId) },
    );
    return { ok: true } as const;
  });
}

export interface StripeEventListItem {
  id: string;
  stripe_event_id: string;
  type: string;
  livemode: boolean;
  status: StripeEventStatus;
  error: string | null;
  attempts: number;
  received_at: Date;
  processed_at: Date | null;
}

/** The brand's most recent events, newest first. */
export async function listStripeEvents(
  db: DB,
  brandId: string,
  opts: { limit?: number } = {},
): Promise<StripeEventListItem[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  return db
    .selectFrom("stripe_events")
    .select([
      "id",
      "stripe_event_id",
      "type",
      "livemode",
      "status",
      "error",
      "attempts",
      "received_at",
      "processed_at",
    ])
    .where("brand_id", "=", brandId)
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
