import { randomBytes } from "node:crypto";
import { createSessionStorage, redirect, type Session, type SessionStorage } from "@remix-run/node";
import type { Config } from "~/config.server";
import type { AppContext } from "~/context.server";
import type { DB } from "~/db/db.server";

/**
 * Server-side sessions: the signed cookie carries only a random session id; the data lives in the
 * `sessions` table. That makes rotation at login real (the old id stops working) and lets a
 * password change end every other session.
 */
export interface SessionData {
  userId: string;
}
export type AppSession = Session<SessionData>;

const SESSION_DAYS = 30;

/** `__Host-` on https: only this host may set it, with Secure, Path=/ and no Domain. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-rekomi_session" : "__rekomi_session";
}
// One storage per (database handle, config): the cookie's Secure flag and secret come from config.
const storages = new WeakMap<DB, WeakMap<Config, SessionStorage<SessionData>>>();

export function sessionStorage(
  ctx: Pick<AppContext, "db" | "config">,
): SessionStorage<SessionData> {
  let byConfig = storages.get(ctx.db);
  if (!byConfig) storages.set(ctx.db, (byConfig = new WeakMap()));
  let storage = byConfig.get(ctx.config);
  if (storage) return storage;
  const { db, config } = ctx;
  storage = createSessionStorage<SessionData>({
    cookie: {
      name: sessionCookieName(config.secureCookies),
      httpOnly: true,
      sameSite: "lax",
      secure: config.secureCookies,
      path: "/",
      maxAge: SESSION_DAYS * 24 * 3600,
      secrets: [config.sessionSecret],
    },
    async createData(data, expires) {
      const id = randomBytes(32).toString("base64url");
      await db
        .insertInto("sessions")
        .values({
          id,
          user_id: typeof data.userId === "string" ? data.userId : null,
          data: JSON.stringify(data),
          expires_at: expires ?? new Date(Date.now() + SESSION_DAYS * 86_400_000),
        })
        .execute();
      return id;
    },
    async readData(id) {
      const row = await db
        .selectFrom("sessions")
        .select(["data", "expires_at"])
        .where("id", "=", id)
        .executeTakeFirst();
      if (!row) return null;
      if (row.expires_at && row.expires_at.getTime() < Date.now()) {
        await db.deleteFrom("sessions").where("id", "=", id).execute();
        return null;
      }
      return row.data as Partial<SessionData>;
    },
    async updateData(id, data, expires) {
      await db
        .updateTable("sessions")
        .set({
          data: JSON.stringify(data),
          user_id: typeof data.userId === "string" ? data.userId : null,
          ...(expires ? { expires_at: expires } : {}),
        })
        .where("id", "=", id)
        .execute();
    },
    async deleteData(id) {
      await db.deleteFrom("sessions").where("id", "=", id).execute();
    },
  });
  byConfig.set(ctx.config, storage);
  return storage;
}

export async function getSession(
  request: Request,
  ctx: Pick<AppContext, "db" | "config">,
): Promise<AppSession> {
  return sessionStorage(ctx).getSession(request.headers.get("Cookie"));
}

/**
 * Log a user in: the previous session (if any) is destroyed and a brand-new id is issued, so a
 * session id planted before login is worthless afterwards.
 */
export async function startUserSession(
  request: Request,
  ctx: Pick<AppContext, "db" | "config">,
  userId: string,
  redirectTo: string,
): Promise<Response> {
  const storage = sessionStorage(ctx);
  const old = await storage.getSession(request.headers.get("Cookie"));
  if (old.id) await storage.destroySession(old);
  const fresh = await storage.getSession();
  fresh.set("userId", userId);
  return redirect(redirectTo, { headers: { "Set-Cookie": await storage.commitSession(fresh) } });
}

export async function endSession(
  request: Request,
  ctx: Pick<AppContext, "db" | "config">,
  redirectTo = "/login",
) {
  const storage = sessionStorage(ctx);
  const session = await storage.getSession(request.headers.get("Cookie"));
  return redirect(redirectTo, { headers: { "Set-Cookie": await storage.destroySession(session) } });
}

/**
 * Only same-site relative paths are accepted as post-login destinations (no open redirect): one
 * leading slash, then printable ASCII without backslashes. Browsers drop tabs and newlines and read
 * `\\` as `/` in URLs, so `/\t/evil.example` would otherwise become `//evil.example`; other
 * characters cannot even be put in a Location header.
 */
const SAFE_PATH = /^\/(?![/\\])[!-[\]-~]*$/;

export function safeRedirect(
  to: FormDataEntryValue | string | null | undefined,
  fallback = "/app",
): string {
  if (typeof to !== "string" || !SAFE_PATH.test(to)) return fallback;
  return to;
}

/** End every session of the user except `keepSessionId` (password reset and change). */
export async function endOtherSessions(
  db: DB,
  userId: string,
  keepSessionId?: string,
): Promise<void> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keepSessionId) q = q.where("id", "!=", keepSessionId);
  await q.execute();
}
