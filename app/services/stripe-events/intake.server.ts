/**
 * Webhook intake (`POST /webhooks/stripe/:brandId`, the first stop of the flow in README.md):
 * verify the signature with the brand's secret (webhook-secret-cache.server.ts), check the event's
 * shape, and store it with its processing job (store-events.server.ts). No processing here.
 */
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { StripeEventStatus } from "~/db/schema";
import { findTextProblem, jsonTooDeep, MAX_JSON_DEPTH } from "~/domain/text-hygiene";
import { Stripe } from "~/stripe/client.server";
import { isHandledEventType } from "./event-types";
import { type EventRow, eventWriter } from "./store-events.server";
import { forgetWebhookSecret, webhookSecretFor } from "./webhook-secret-cache.server";

/** Stripe's own default; signatures older than this are rejected (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

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
      forgetWebhookSecret(db, brandId);
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

/** `t=` of a Stripe-Signature header (unix seconds), or null. */
function signatureTimestamp(header: string): number | null {
  const m = /(?:^|,)\s*t=(\d{1,12})\s*(?:,|$)/.exec(header);
  return m ? Number(m[1]) : null;
}
