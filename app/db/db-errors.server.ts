/**
 * "The database is unavailable" (as opposed to a bug or a bad row): the intake answers these with
 * 503 + Retry-After so Stripe retries, and the group-commit writer fails a whole batch on them
 * instead of retrying its items one by one.
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "EHOSTUNREACH",
]);

/** Connection-level failures: refused/reset sockets, a closed pool, Postgres classes 08/53/57. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const err = e as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown };
    const code = typeof err.code === "string" ? err.code : "";
    if (CONNECTION_CODES.has(code) || /^(08|53|57P)/.test(code)) return true;
    const message = typeof err.message === "string" ? err.message : "";
    if (
      /Cannot use a pool after calling end|Connection terminated|is not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|too many clients/i.test(
        message,
      )
    ) {
      return true;
    }
    if (Array.isArray(err.errors) && err.errors.some((inner) => isDatabaseUnavailable(inner)))
      return true;
    e = err.cause;
  }
  return false;
}
