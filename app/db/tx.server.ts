/**
 * Transactions for use-cases: one transaction each, composable (a use-case called from inside
 * another's transaction joins it), and a typed early exit that rolls back and hands back a result.
 */
import type { Transaction } from "kysely";
import type { DB } from "./db.server";
import type { Database } from "./schema";

/**
 * Run `fn` in a transaction, or inside the caller's transaction when `db` already is one, so
 * use-cases compose (e.g. the demo seed creates a brand, a campaign and affiliates atomically).
 */
export function inTransaction<T>(
  db: DB,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** Thrown inside a transaction to roll it back and hand `result` to the caller. */
export class Rollback<R> extends Error {
  constructor(readonly result: R) {
    super("rollback");
  }
}

/**
 * `inTransaction`, where a thrown `Rollback` undoes the writes and its result is returned in
 * place of `fn`'s (e.g. a validation failure found after the row was locked).
 */
export async function inTransactionOr<T, R>(
  db: DB,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T | R> {
  try {
    return await inTransaction(db, fn);
  } catch (error) {
    if (error instanceof Rollback) return error.result as R;
    throw error;
  }
}
