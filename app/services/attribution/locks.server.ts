/**
 * Locks of the attribution job (`lockAttribution`). Every decision depends only on ONE
 * customer's payments (and on brand settings the job never writes), so an event locks the
 * customer(s) whose state it touches (transaction-scoped advisory locks, exclusive per customer,
 * taken in a fixed order after a SHARED brand lock): events of different customers run in
 * parallel, two events of one customer never do. An event that cannot name its customer (an
 * `invoice_payment.paid` or a guest refund whose conversion is not recorded yet) takes the brand
 * lock EXCLUSIVELY. What different customers share is written so that concurrency cannot corrupt
 * it (README.md in this folder).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";

/** What one event's writes touch: some customers' state, or (unknown customer) the whole brand. */
export type LockScope = { kind: "keys"; keys: string[] } | { kind: "brand" };

const brandLockKey = (brandId: string) => `rekomi:attribution:${brandId}`;

/** Serialise every attribution write of one brand (held until the transaction ends). */
export async function lockBrand(trx: DB, brandId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${brandLockKey(brandId)}, 0))`.execute(
    trx,
  );
}

/**
 * Take the locks of a scope in ONE statement (held until the transaction ends): the brand lock
 * shared, then each key's lock exclusive, in sorted order (the select list is evaluated left to
 * right), so two events never wait for each other in a cycle. `kind: "brand"` takes the brand
 * lock exclusively instead (it excludes every keyed event of the brand).
 */
export async function lockAttribution(trx: DB, brandId: string, scope: LockScope): Promise<void> {
  if (scope.kind === "brand") return lockBrand(trx, brandId);
  const keys = [...new Set(scope.keys)].sort();
  const brandKey = brandLockKey(brandId);
  const locks = keys.map(
    (k) => sql`pg_advisory_xact_lock(hashtextextended(${`${brandKey}:${k}`}, 0))`,
  );
  await sql`select ${sql.join([sql`pg_advisory_xact_lock_shared(hashtextextended(${brandKey}, 0))`, ...locks])}`.execute(
    trx,
  );
}

/**
 * The lock key of a payment's state: its customer; a customer-less one-off payment by its payment
 * intent (what its refund knows too); else the payment itself.
 */
export function paymentLockKey(p: {
  customerId: string | null;
  kind: "invoice" | "session";
  key: string;
  paymentIntentId: string | null;
}): string {
  if (p.customerId) return `customer:${p.customerId}`;
  if (p.kind === "session" && p.paymentIntentId) return `pi:${p.paymentIntentId}`;
  return `${p.kind}:${p.key}`;
}

/** The lock key of a recorded conversion's payment (see `paymentLockKey`). */
export function conversionLockKey(
  c: Pick<
    ConversionRow,
    | "stripe_customer_id"
    | "stripe_invoice_id"
    | "stripe_checkout_session_id"
    | "stripe_payment_intent_id"
  >,
): string | null {
  const key = c.stripe_invoice_id ?? c.stripe_checkout_session_id;
  if (!key) return null;
  return paymentLockKey({
    customerId: c.stripe_customer_id,
    kind: c.stripe_invoice_id ? "invoice" : "session",
    key,
    paymentIntentId: c.stripe_payment_intent_id,
  });
}

/** A keyed scope of the given lock keys (missing ones dropped). */
export const lockKeys = (...list: (string | null | undefined)[]): LockScope => ({
  kind: "keys",
  keys: list.filter((k): k is string => !!k),
});
