import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStorage } from "../../app/auth/session.server";
import { LOGIN_FAILED_MESSAGE } from "../../app/domain/accounts";
import { loader as dashboardLoader } from "../../app/routes/app._index";
import { loader as appLoader, type BrandLayoutData } from "../../app/routes/app";
import { action as loginAction, loader as loginLoader } from "../../app/routes/login";
import { action as logoutAction } from "../../app/routes/logout";
import { action as signupAction, loader as signupLoader } from "../../app/routes/signup";
import { CookieJar, getRequest, postForm, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  PASSWORD,
  bodyOf,
  call,
  locationOf,
  logIn,
  signUpBrand,
  statusOf,
  uniqueEmail,
} from "./helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

async function countRows() {
  const [brands, users, members] = await Promise.all([
    t.db
      .selectFrom("brands")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    t.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    t.db
      .selectFrom("brand_members")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return { brands: brands.n, users: users.n, members: members.n };
}

describe("brand signup", () => {
  it("creates the brand on a 14-day Starter trial with its owner, signs in and lands on /app", async () => {
    const email = uniqueEmail();
    const before = Date.now();
    const { jar, response } = await signUpBrand(t.db, {
      brandName: "  Acme Analytics ",
      email: `  ${email.toUpperCase()} `,
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/app");
    expect(jar.get("__rekomi_session")).toBeTruthy();

    const user = await t.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
    const member = await t.db
      .selectFrom("brand_members")
      .innerJoin("brands", "brands.id", "brand_members.brand_id")
      .select([
        "brands.id",
        "brands.name",
        "brands.plan",
        "brands.trial_ends_at",
        "brand_members.role",
      ])
      .where("brand_members.user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(member).toMatchObject({ name: "Acme Analytics", plan: "starter", role: "owner" });
    const trialMs = member.trial_ends_at.getTime() - before;
    expect(trialMs).toBeGreaterThan(14 * 86_400_000 - 60_000);
    expect(trialMs).toBeLessThan(14 * 86_400_000 + 60_000);

    // The new session opens the brand portal straight away.
    const layout = bodyOf<BrandLayoutData>(
      await call(appLoader, getRequest("/app", jar), testContext(t.db)),
    );
    expect(layout.brand.name).toBe("Acme Analytics");
    expect(layout.user.email).toBe(email);
    expect(layout.trialDaysLeft).toBe(14);
  });

  it("answers field errors with 400 and writes nothing", async () => {
    const before = await countRows();
    const result = await call(
      signupAction,
      postForm("/signup", {
        brandName: " ",
        name: "",
        email: "not-an-email",
        password: "short",
        confirmPassword: "other",
      }),
      testContext(t.db),
    );
    expect(statusOf(result)).toBe(400);
    const body = bodyOf<{ fieldErrors: Record<string, string>; values: Record<string, string> }>(
      result,
    );
    expect(Object.keys(body.fieldErrors).sort()).toEqual([
      "brandName",
      "confirmPassword",
      "email",
      "name",
      "password",
    ]);
    expect(body.fieldErrors.password).toMatch(/10 characters/);
    expect(body.values).toEqual({ brandName: " ", name: "", email: "not-an-email" });
    expect(JSON.stringify(body)).not.toContain("short");

    const mismatch = await call(
      signupAction,
      postForm("/signup", {
        brandName: "B",
        name: "N",
        email: uniqueEmail(),
        password: "long-enough-password",
        confirmPassword: "long-enough-passw0rd",
      }),
      testContext(t.db),
    );
    expect(statusOf(mismatch)).toBe(400);
    expect(bodyOf<{ fieldErrors: Record<string, string> }>(mismatch).fieldErrors).toEqual({
      confirmPassword: "The passwords do not match.",
    });
    expect(await countRows()).toEqual(before);
  });

  it("a duplicate email (any case) gets the same 'check your inbox' answer, writes nothing, and its owner is emailed", async () => {
    const { email } = await signUpBrand(t.db);
    const before = await countRows();
    const result = await call(
      signupAction,
      postForm("/signup", {
        brandName: "Copycat",
        name: "Someone",
        email: email.toUpperCase(),
        password: PASSWORD,
        confirmPassword: PASSWORD,
      }),
      testContext(t.db),
    );
    expect(statusOf(result)).toBe(200);
    expect(bodyOf<{ sentTo: string; fieldErrors: object }>(result)).toMatchObject({
      sentTo: email,
      fieldErrors: {},
    });
    expect(await countRows()).toEqual(before);
    const mail = await t.db
      .selectFrom("email_outbox")
      .select(["kind", "subject"])
      .where("to_email", "=", email)
      .orderBy("created_at")
      .execute();
    expect(mail.map((m) => m.kind)).toEqual(["verify_email", "already_registered"]);
  });

  it("sends a signed-in user away from /signup and /login", async () => {
    const { jar } = await signUpBrand(t.db);
    expect(
      locationOf(await call(signupLoader, getRequest("/signup", jar), testContext(t.db))),
    ).toBe("/app");
    expect(locationOf(await call(loginLoader, getRequest("/login", jar), testContext(t.db)))).toBe(
      "/app",
    );
    expect(await call(loginLoader, getRequest("/login"), testContext(t.db))).toBeNull();
  });
});

describe("login", () => {
  it("signup → logout → login → dashboard shows the brand's data", async () => {
    const { jar, email } = await signUpBrand(t.db, { brandName: "Dash Co" });
    const out = await call(logoutAction, postForm("/logout", {}, jar), testContext(t.db));
    expect(locationOf(out)).toBe("/login");
    jar.absorb(out as Response);
    expect(jar.get("__rekomi_session")).toBeUndefined();

    const { jar: loggedIn, result } = await logIn(t.db, `  ${email.toUpperCase()}`);
    expect(statusOf(result)).toBe(302);
    expect(locationOf(result)).toBe("/app");

    const dash = bodyOf<{
      brandName: string;
      stats: { campaignCount: number; affiliates: { total: number } };
    }>(await call(dashboardLoader, getRequest("/app", loggedIn), testContext(t.db)));
    expect(dash.brandName).toBe("Dash Co");
    expect(dash.stats.campaignCount).toBe(0);
    expect(dash.stats.affiliates.total).toBe(0);
  });

  it("follows a safe redirectTo and ignores an off-site one", async () => {
    const { email } = await signUpBrand(t.db);
    expect(
      locationOf((await logIn(t.db, email, PASSWORD, { redirectTo: "/app/settings" })).result),
    ).toBe("/app/settings");
    expect(
      locationOf((await logIn(t.db, email, PASSWORD, { redirectTo: "//evil.example/x" })).result),
    ).toBe("/app");
    expect(
      locationOf(
        (await logIn(t.db, email, PASSWORD, { redirectTo: "https://evil.example" })).result,
      ),
    ).toBe("/app");
  });

  it("answers a wrong password or unknown email with 400 and one generic message", async () => {
    const { email } = await signUpBrand(t.db);
    const wrong = await logIn(t.db, email, "not-the-password", { ip: "10.9.9.1" });
    expect(statusOf(wrong.result)).toBe(400);
    expect(bodyOf<{ formError: string }>(wrong.result).formError).toBe(LOGIN_FAILED_MESSAGE);
    expect(wrong.jar.get("__rekomi_session")).toBeUndefined();

    const unknown = await logIn(t.db, uniqueEmail("nobody"), PASSWORD, { ip: "10.9.9.1" });
    expect(statusOf(unknown.result)).toBe(400);
    expect(bodyOf<{ formError: string }>(unknown.result).formError).toBe(LOGIN_FAILED_MESSAGE);

    const empty = await logIn(t.db, "", "", { ip: "10.9.9.1" });
    expect(statusOf(empty.result)).toBe(400);
    expect(Object.keys(bodyOf<{ fieldErrors: object }>(empty.result).fieldErrors).sort()).toEqual([
      "email",
      "password",
    ]);
  });

  it("locks an email+IP out after 10 failures for 10 minutes, even for the right password; other IPs are unaffected", async () => {
    const { email } = await signUpBrand(t.db);
    const ip = "203.0.113.7";
    for (let i = 0; i < 10; i++) {
      const { result } = await logIn(t.db, email, `wrong-password-${i}`, { ip });
      expect(statusOf(result)).toBe(400);
    }
    const attemptsBefore = await t.db
      .selectFrom("login_attempts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("email", "=", email)
      .where("succeeded", "=", false)
      .executeTakeFirstOrThrow();
    expect(attemptsBefore.n).toBe(10);

    const locked = await logIn(t.db, email, PASSWORD, { ip });
    expect(statusOf(locked.result)).toBe(429);
    expect(bodyOf<{ formError: string }>(locked.result).formError).toBe(
      "Too many failed attempts. Try again in 10 minutes.",
    );
    expect(locked.jar.get("__rekomi_session")).toBeUndefined();
    const init = (locked.result as { init: ResponseInit }).init;
    expect(new Headers(init.headers).get("Retry-After")).toBe("600");
    // A locked-out attempt is not even checked, so it is not kept.
    const attemptsAfter = await t.db
      .selectFrom("login_attempts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("email", "=", email)
      .where("succeeded", "is not", true)
      .executeTakeFirstOrThrow();
    expect(attemptsAfter.n).toBe(10);

    const elsewhere = await logIn(t.db, email, PASSWORD, { ip: "198.51.100.20" });
    expect(statusOf(elsewhere.result)).toBe(302);
    const success = await t.db
      .selectFrom("login_attempts")
      .select(["succeeded", "ip"])
      .where("email", "=", email)
      .where("succeeded", "=", true)
      .where("ip", "!=", "127.0.0.1") // the login right after signup
      .execute();
    expect(success).toEqual([{ succeeded: true, ip: "198.51.100.20" }]);
  });

  it("forgets failures older than 10 minutes", async () => {
    const { email } = await signUpBrand(t.db);
    const ip = "203.0.113.8";
    const old = new Date(Date.now() - 11 * 60_000);
    await t.db
      .insertInto("login_attempts")
      .values(Array.from({ length: 12 }, () => ({ email, ip, succeeded: false, created_at: old })))
      .execute();
    expect(statusOf((await logIn(t.db, email, PASSWORD, { ip })).result)).toBe(302);
  });

  it("rotates the session id at login: a planted pre-login session is worthless afterwards", async () => {
    const { email } = await signUpBrand(t.db);
    const ctx = testContext(t.db);
    const storage = sessionStorage(ctx);
    const planted = await storage.getSession();
    const plantedCookie = await storage.commitSession(planted);
    const jar = new CookieJar();
    jar.absorb(new Response(null, { headers: { "Set-Cookie": plantedCookie } }));
    const plantedValue = jar.get("__rekomi_session")!;
    const plantedId = (await storage.getSession(`__rekomi_session=${plantedValue}`)).id;
    expect(plantedId).toBeTruthy();
    expect(
      await t.db.selectFrom("sessions").select("id").where("id", "=", plantedId).executeTakeFirst(),
    ).toBeTruthy();

    const { result } = await logIn(t.db, email, PASSWORD, { jar });
    expect(statusOf(result)).toBe(302);
    const freshValue = jar.get("__rekomi_session")!;
    expect(freshValue).not.toBe(plantedValue);
    expect(
      await t.db.selectFrom("sessions").select("id").where("id", "=", plantedId).executeTakeFirst(),
    ).toBeUndefined();

    // The old cookie no longer opens the portal; the new one does.
    const oldJar = new CookieJar().set("__rekomi_session", plantedValue);
    expect(locationOf(await call(appLoader, getRequest("/app", oldJar), ctx))).toBe(
      "/login?redirectTo=%2Fapp",
    );
    expect(statusOf(await call(appLoader, getRequest("/app", jar), ctx))).toBe(200);
  });

  it("logout destroys the session server-side", async () => {
    const { jar } = await signUpBrand(t.db);
    const value = jar.get("__rekomi_session")!;
    const out = await call(logoutAction, postForm("/logout", {}, jar), testContext(t.db));
    expect(locationOf(out)).toBe("/login");
    const stale = new CookieJar().set("__rekomi_session", value);
    expect(locationOf(await call(appLoader, getRequest("/app", stale), testContext(t.db)))).toMatch(
      /^\/login/,
    );
  });

  it("login via the action goes through the FormStrategy (body is read once, CSRF on a clone)", async () => {
    const { email } = await signUpBrand(t.db);
    const result = await call(
      loginAction,
      postForm("/login", { email, password: PASSWORD }),
      testContext(t.db),
    );
    expect(statusOf(result)).toBe(302);
  });
});
