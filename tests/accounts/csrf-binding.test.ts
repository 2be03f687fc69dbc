import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfResolver } from "../../app/auth/csrf-cookie.server";
import { mintCsrfToken, requireCsrfForm } from "../../app/auth/csrf.server";
import { sessionStorage } from "../../app/auth/session.server";
import { TEST_CSRF, testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { signUpBrand } from "./helpers";

/**
 * Issue 15: the CSRF token is bound to the session, and on https both cookies carry the
 * `__Host-` prefix. csrfResolver is what server.ts runs in front of every page and form.
 */
let t: TestDatabase;
let userId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const { email } = await signUpBrand(t.db);
  userId = (
    await t.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => {
  await t.drop();
});

const http = testConfig();
const https = testConfig({ APP_URL: "https://rekomi.example.com" });

/** A signed session cookie for a new session row, as the login action would set it. */
async function signedIn(config: typeof http, userId: string) {
  const storage = sessionStorage({ db: t.db, config });
  const session = await storage.getSession();
  session.set("userId", userId);
  const setCookie = await storage.commitSession(session);
  const pair = setCookie.split(";")[0];
  const id = (await storage.getSession(pair)).id;
  return { pair, id, setCookie };
}

describe("CSRF token bound to the session", () => {
  it("mints a token for a browser without one and shows the app exactly that token", async () => {
    const r = await csrfResolver(http)(undefined);
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.setCookie).toBe(`__rekomi_csrf=${r.token}; Path=/; HttpOnly; SameSite=Lax`);
    expect(r.cookieHeader).toBe(`__rekomi_csrf=${r.token}`);
  });

  it("keeps a token minted for this session, and sets no new cookie", async () => {
    const resolve = csrfResolver(http);
    const { pair, id } = await signedIn(http, userId);
    const token = mintCsrfToken(id, http.sessionSecret);
    const r = await resolve(`${pair}; __rekomi_csrf=${token}`);
    expect(r.token).toBe(token);
    expect(r.setCookie).toBeNull();
    expect(r.cookieHeader).toBe(`${pair}; __rekomi_csrf=${token}`);
  });

  it("replaces a planted or made-up token, so a forged form carrying it is refused with 403", async () => {
    const resolve = csrfResolver(http);
    const { pair } = await signedIn(http, userId);
    const r = await resolve(`${pair}; __rekomi_csrf=${TEST_CSRF}`);
    expect(r.token).not.toBe(TEST_CSRF);
    expect(r.setCookie).toContain(`__rekomi_csrf=${r.token};`);
    expect(r.cookieHeader).not.toContain(TEST_CSRF);

    const forged = new Request("http://localhost:3000/app/settings", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: r.cookieHeader,
      },
      body: new URLSearchParams({ _csrf: TEST_CSRF, intent: "rename" }),
    });
    const thrown = await requireCsrfForm(forged).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(403);
  });

  it("a token from before sign-in, or from another session, is replaced at the next request", async () => {
    const resolve = csrfResolver(http);
    const anonymous = mintCsrfToken("", http.sessionSecret);
    const a = await signedIn(http, userId);
    const b = await signedIn(http, userId);
    const tokenA = mintCsrfToken(a.id, http.sessionSecret);
    expect((await resolve(`__rekomi_csrf=${anonymous}`)).setCookie).toBeNull();
    expect((await resolve(`${a.pair}; __rekomi_csrf=${anonymous}`)).token).not.toBe(anonymous);
    expect((await resolve(`${b.pair}; __rekomi_csrf=${tokenA}`)).token).not.toBe(tokenA);
    // A session cookie with a bad signature counts as signed out.
    const tampered = a.pair.slice(0, -3) + "abc";
    expect((await resolve(`${tampered}; __rekomi_csrf=${tokenA}`)).token).not.toBe(tokenA);
  });
});

describe("__Host- cookies when APP_URL is https", () => {
  it("names the session cookie __Host-rekomi_session, Secure, Path=/ and no Domain", async () => {
    const { setCookie } = await signedIn(https, userId);
    expect(setCookie).toMatch(/^__Host-rekomi_session=/);
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toContain("Secure");
    expect(setCookie).not.toMatch(/Domain=/i);
    const { setCookie: plain } = await signedIn(http, userId);
    expect(plain).toMatch(/^__rekomi_session=/);
  });

  it("sets __Host-rekomi_csrf, ignores an unprefixed one a sibling subdomain could plant", async () => {
    const resolve = csrfResolver(https);
    const fresh = await resolve(undefined);
    expect(fresh.setCookie).toBe(
      `__Host-rekomi_csrf=${fresh.token}; Path=/; HttpOnly; SameSite=Lax; Secure`,
    );
    const { pair, id } = await signedIn(https, userId);
    const good = mintCsrfToken(id, https.sessionSecret);
    const kept = await resolve(`${pair}; __Host-rekomi_csrf=${good}`);
    expect(kept.token).toBe(good);
    expect(kept.setCookie).toBeNull();
    // Even a correctly bound token is not taken from the unprefixed name on https.
    const planted = await resolve(`${pair}; __rekomi_csrf=${good}`);
    expect(planted.token).not.toBe(good);
    expect(planted.cookieHeader).toBe(`${pair}; __rekomi_csrf=${planted.token}`);
  });
});
