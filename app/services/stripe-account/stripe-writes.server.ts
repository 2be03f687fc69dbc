/**
 * Writes that need Stripe: the one pattern (DESIGN.md section 4, docs/decisions/0007-stripe-writes.md).
 *
 * 1. Reserve: in a short transaction the row is written as `stripe_status = 'pending_stripe'`
 *    together with a `stripe__settle` job (run a little later: the safety net if this process dies).
 * 2. Call Stripe outside any transaction, through the per-brand limiter, with a deterministic
 *    idempotency key (the Rekomi row id): `callStripe`.
 * 3. Record the result (`synced`). The interactive request does this right away by running the very
 *    settle routine the job runs; when the outcome is unclear (timeout, connection error, 5xx, 429,
 *    the brand's lane full) the row stays `pending_stripe`, the error is shown, and the job (or the
 *    brand reconciliation, also `npm run cli -- stripe:reconcile`) settles it: it retries with the
 *    same key, or finds the object by `metadata.rekomi_*` and adopts or deactivates it.
 *
 * The resource-specific settle routines live beside their services (affiliate-code-stripe.server.ts,
 * campaign-coupon-stripe.server.ts); this module holds what they share.
 */
import { type Kysely, sql } from "kysely";
import { addJob } from "~/db/jobs.server";
import type { Database } from "~/db/schema";
import { BrandBusyError, brandLimiter } from "~/stripe/brand-limiter.server";
import { isStripeError, type Stripe, stripeErrorMessage } from "~/stripe/client.server";
import {
  reconcileJobKey,
  settleJobKey,
  STRIPE_RECONCILE_TASK,
  STRIPE_SETTLE_TASK,
} from "~/db/job-registry";

export { STRIPE_SETTLE_TASK, STRIPE_RECONCILE_TASK };

export type StripeWriteKind = "affiliate_coupon" | "campaign_coupon";

export interface SettleTarget {
  kind: StripeWriteKind;
  id: string;
}

export { reconcileJobKey, settleJobKey };

/** How long after a reservation the safety-net settle job runs (the request normally settles first). */
export const SETTLE_SAFETY_DELAY_MS = 30_000;
/** graphile-worker's backoff caps at ~6 h per attempt: this keeps retrying for weeks. */
export const SETTLE_MAX_ATTEMPTS = 200;

/**
 * A brand's Stripe jobs share one graphile-worker queue, which runs its jobs one at a time: a brand
 * whose Stripe hangs holds at most one worker slot, never the whole worker.
 */
export const brandStripeQueue = (brandId: string) => `stripe:${brandId}`;

/** Enqueue (or move) the settle job of a reserved row, inside the reserving transaction. */
export async function queueSettle(
  trx: Kysely<Database>,
  brandId: string,
  target: SettleTarget,
  opts: { delayMs?: number } = {},
): Promise<void> {
  const delayMs = opts.delayMs ?? SETTLE_SAFETY_DELAY_MS;
  await addJob(trx, STRIPE_SETTLE_TASK, target, {
    jobKey: settleJobKey(target),
    runAt: new Date(Date.now() + delayMs),
    maxAttempts: SETTLE_MAX_ATTEMPTS,
    queueName: brandStripeQueue(brandId),
  });
}

/**
 * Outside a transaction, after an unclear outcome: run the row's settle job soon, and the brand's
 * reconciliation a minute later (it finds what Stripe did with answers that were lost).
 */
export async function settleSoon(
  db: Kysely<Database>,
  brandId: string,
  target: SettleTarget,
): Promise<void> {
  await queueSettle(db, brandId, target, { delayMs: SETTLE_RETRY_DELAY_MS });
  await queueReconcile(db, brandId);
}

/** After an unclear outcome the brand's reconciliation runs this long after (then with backoff). */
export const RECONCILE_DELAY_MS = 60_000;

/**
 * Enqueue a reconciliation of one brand's Stripe objects, deduplicated per brand; an already
 * scheduled one keeps its time (a stream of failures cannot push it back for ever).
 */
export async function queueReconcile(
  db: Kysely<Database>,
  brandId: string,
  opts: { delayMs?: number } = {},
): Promise<void> {
  await addJob(
    db,
    STRIPE_RECONCILE_TASK,
    { brandId },
    {
      jobKey: reconcileJobKey(brandId),
      jobKeyMode: "preserve_run_at",
      runAt: new Date(Date.now() + (opts.delayMs ?? RECONCILE_DELAY_MS)),
      queueName: brandStripeQueue(brandId),
      maxAttempts: SETTLE_MAX_ATTEMPTS,
    },
  );
}

/**
 * `refused`: Stripe answered and said no (4xx other than 409/429): the write will never succeed as
 * sent. `unclear`: we do not know whether Stripe applied it (no answer, a timeout, 5xx, 409
 * idempotency conflict, 429, the brand's lane full): settle later with the same key.
 */
export type StripeOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "refused"; error: unknown; message: string }
  | { kind: "unclear"; error: unknown; message: string };

/** Interactive calls wait less than jobs (the SDK client's own default is 20 s x 3 tries). */
export const INTERACTIVE_REQUEST_OPTIONS = { timeout: 5_000, maxNetworkRetries: 1 } as const;
/** How long an interactive call waits for a free slot of its brand before leaving it to the job. */
export const INTERACTIVE_SLOT_WAIT_MS = 1_000;
/** After an unclear interactive outcome the settle job runs this soon (then with backoff). */
export const SETTLE_RETRY_DELAY_MS = 5_000;

export interface StripeCallOptions {
  /** Sent as Stripe's Idempotency-Key (required for creates; the Rekomi row id). */
  idempotencyKey?: string;
  /** A request waiting on the answer (shorter timeout) rather than a job. */
  interactive?: boolean;
}

export type StripeCall<T> = (requestOptions: Stripe.RequestOptions) => Promise<T>;

/** One Stripe call for a brand, bounded per brand, its failure classified. Never throws. */
export async function callStripe<T>(
  brandId: string,
  call: StripeCall<T>,
  opts: StripeCallOptions = {},
): Promise<StripeOutcome<T>> {
  const requestOptions: Stripe.RequestOptions = {
    ...(opts.interactive ? INTERACTIVE_REQUEST_OPTIONS : {}),
    ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
  };
  try {
    const value = await brandLimiter.run(brandId, () => call(requestOptions), {
      maxWaitMs: opts.interactive ? INTERACTIVE_SLOT_WAIT_MS : undefined,
    });
    return { kind: "done", value };
  } catch (error) {
    return { kind: isRefusal(error) ? "refused" : "unclear", error, message: describe(error) };
  }
}

function isRefusal(error: unknown): boolean {
  if (!isStripeError(error)) return false;
  if (error.type === "StripeIdempotencyError") return false;
  const status = error.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}

export function describe(error: unknown): string {
  if (error instanceof BrandBusyError) return error.message;
  if (isStripeError(error)) return stripeErrorMessage(error);
  return error instanceof Error ? error.message : String(error);
}

export function isStripeNotFound(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string };
  return e?.statusCode === 404 || e?.code === "resource_missing";
}

/**
 * Stripe refused a create outright (it made nothing): drop the reservation and its safety-net job
 * in one transaction, only while the row still has no Stripe object.
 */
export async function dropReservation(db: Kysely<Database>, brandId: string, target: SettleTarget) {
  await db.transaction().execute(async (trx) => {
    if (target.kind === "affiliate_coupon")
      await trx
        .deleteFrom("affiliate_coupons")
        .where("id", "=", target.id)
        .where("brand_id", "=", brandId)
        .where("stripe_promotion_code_id", "is", null)
        .execute();
    else
      await trx
        .deleteFrom("campaign_coupons")
        .where("id", "=", target.id)
        .where("brand_id", "=", brandId)
        .where("stripe_coupon_id", "is", null)
        .execute();
    await sql`select graphile_worker.remove_job(${settleJobKey(target)})`.execute(trx);
  });
}

const MAX_SYNC_ERROR = 1000;

/** A Stripe failure as stored in `stripe_sync_error` (shown in the UI). */
export function truncateSyncError(message: string): string {
  return (message || "Unknown error").slice(0, MAX_SYNC_ERROR);
}

/** Thrown by a settle job to make graphile-worker retry it with backoff. */
export class SettleLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettleLater";
  }
}
