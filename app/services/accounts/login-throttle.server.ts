/**
 * The one throttle every password check goes through (login, password and email change).
 * Atomic under concurrency: the attempt is RECORDED FIRST (its own committed statement), then the
 * attempts are counted in a second statement, which sees every attempt committed before it,
 * including its own. Order the attempts by commit: the k-th one counts at least k, so at most
 * LOGIN_MAX_FAILURES attempts per key can pass, however many arrive in parallel.
 * Keys: the account (email) from one IP, and the IP across accounts. An attacker's failures from
 * their IP therefore never block the owner logging in from another IP. An attempt refused with 429
 * is deleted again, so Retry-After stays true. That keeps the bound: the passed attempt that
 * counted last saw every passed attempt (passed rows are never deleted), so at most the limit pass.
 */
import { sql } from "kysely";
import { DUMMY_HASH, verifyPassword } from "~/auth/password.server";
import type { DB } from "~/db/db.server";
import type { User } from "~/db/schema";
import {
  LOGIN_IP_MAX_FAILURES,
  LOGIN_MAX_FAILURES,
  LOGIN_WINDOW_MINUTES,
  loginLockout,
} from "~/domain/accounts";

export type PasswordCheckStart =
  { ok: true; attemptId: string } | { ok: false; retryAfterSeconds: number };

async function failureTimes(
  db: DB,
  key: { email?: string; ip: string },
  since: Date,
  limit: number,
): Promise<Date[]> {
  let q = db
    .selectFrom("login_attempts as a")
    .select("a.created_at")
    .where("a.ip", "=", key.ip)
    .where("a.created_at", ">", since)
    .where("a.succeeded", "is not", true);
  if (key.email !== undefined) {
    const email = key.email;
    // A successful login from this IP forgives the failures before it.
    q = q.where(
      "a.created_at",
      ">",
      sql<Date>`coalesce((select max(s.created_at) from login_attempts s
        where s.email = ${email} and s.ip = ${key.ip} and s.succeeded and s.created_at > ${since}), ${since})`,
    );
    q = q.where("a.email", "=", email);
  }
  const rows = await q.orderBy("a.created_at", "desc").limit(limit).execute();
  return rows.map((r) => r.created_at);
}

/** Record the attempt, then decide. Call `finishPasswordCheck` with the outcome. */
export async function beginPasswordCheck(
  db: DB,
  input: { email: string; ip: string; now?: Date },
): Promise<PasswordCheckStart> {
  const attempt = await db
    .insertInto("login_attempts")
    .values({ email: input.email, ip: input.ip, succeeded: null })
    .returning(["id", "created_at"])
    .executeTakeFirstOrThrow();
  const now = input.now ?? new Date();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MINUTES * 60_000);
  const [account, ip] = await Promise.all([
    failureTimes(db, { email: input.email, ip: input.ip }, since, LOGIN_MAX_FAILURES + 1),
    failureTimes(db, { ip: input.ip }, since, LOGIN_IP_MAX_FAILURES + 1),
  ]);
  // This attempt is one of the rows counted: it may go ahead while it is within the limit.
  const accountLock = loginLockout(account, now, LOGIN_MAX_FAILURES + 1);
  const ipLock = loginLockout(ip, now, LOGIN_IP_MAX_FAILURES + 1);
  if (!accountLock.locked && !ipLock.locked) return { ok: true, attemptId: attempt.id };
  await db.deleteFrom("login_attempts").where("id", "=", attempt.id).execute();
  const minutes = Math.max(
    accountLock.locked ? accountLock.retryAfterMinutes : 0,
    ipLock.locked ? ipLock.retryAfterMinutes : 0,
  );
  return { ok: false, retryAfterSeconds: minutes * 60 };
}

export async function finishPasswordCheck(
  db: DB,
  attemptId: string,
  succeeded: boolean,
): Promise<void> {
  await db.updateTable("login_attempts").set({ succeeded }).where("id", "=", attemptId).execute();
}

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: "wrong" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Every password check: throttle first (recorded before comparing), then compare. Unknown emails
 * spend the same scrypt time against DUMMY_HASH and are throttled alike, so neither the answer
 * nor its timing reveals which emails have accounts.
 */
export async function checkPassword(
  db: DB,
  input: { email: string; password: string; ip: string },
): Promise<PasswordCheck> {
  const start = await beginPasswordCheck(db, input);
  if (!start.ok)
    return { ok: false, reason: "throttled", retryAfterSeconds: start.retryAfterSeconds };
  const user = await db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", input.email)
    .executeTakeFirst();
  const matches = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
  const ok = user !== undefined && matches;
  await finishPasswordCheck(db, start.attemptId, ok);
  return ok ? { ok: true, user } : { ok: false, reason: "wrong" };
}
