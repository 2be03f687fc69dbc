/**
 * What an event handler is given: the contexts of its two phases (gather: no transaction; apply:
 * inside the transaction that marks the event processed) and the handler type itself.
 */
import type Stripe from "stripe";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { StripeEventRow } from "~/db/schema";

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

/** The event's `data.object` (each event module reads it once, with its reader). */
export const eventObject = (event: Stripe.Event): unknown =>
  (event.data as { object: unknown }).object;

/**
 * The apply phase's view of what its gather phase returned; when the handler is run without its
 * gather phase (no dispatcher), the gather phase runs now, inside the transaction.
 */
export async function gatheredOr<T>(
  ctx: StripeEventContext,
  gather: (g: GatherContext) => Promise<T>,
): Promise<T> {
  if (ctx.gathered !== undefined) return ctx.gathered as T;
  return gather({ ...ctx, db: ctx.trx });
}
