import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../app/db/db.server";
import { action as settingsAction } from "../../app/routes/app.settings._index";
import { action as apiKeysAction } from "../../app/routes/app.settings.api-keys";
import { action as loginAction } from "../../app/routes/login";
import { action as logoutAction } from "../../app/routes/logout";
import { action as signupAction } from "../../app/routes/signup";
import { getRequest, postForm, testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { PASSWORD, call, logIn, signUpBrand, uniqueEmail } from "./helpers";
import { loader as appLoader } from "../../app/routes/app";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

const BAD_TOKENS: { label: string; csrf: string | null }[] = [
  { label: "without a token", csrf: null },
  { label: "with a wrong token", csrf: "x".repeat(43) },
];

async function count(
  table: "users" | "brands" | "login_attempts" | "sessions" | "api_keys",
): Promise<number> {
  const row = await t.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
}

describe("CSRF protection", () => {
  for (const { label, csrf } of BAD_TOKENS) {
    it(`rejects signup ${label} with 403 and writes nothing`, async () => {
      const [users, brands] = [await count("users"), await count("brands")];
      const result = await call(
        signupAction,
        postForm(
          "/signup",
          {
            brandName: "Forged",
            name: "F",
            email: uniqueEmail(),
            password: PASSWORD,
            confirmPassword: PASSWORD,
          },
          undefined,
          { csrf },
        ),
        testContext(t.db),
      );
      expect(result).toBeInstanceOf(Response);
      expect((result as Response).status).toBe(403);
      expect(await (result as Response).text()).toMatch(/expired or was sent from another site/);
      expect([await count("users"), await count("brands")]).toEqual([users, brands]);
    });

    it(`rejects login ${label} with 403, records no attempt and starts no session`, async () => {
      const { email } = await signUpBrand(t.db);
      const [attempts, sessions] = [await count("login_attempts"), await count("sessions")];
      const result = await call(
        loginAction,
        postForm("/login", { email, password: PASSWORD }, undefined, { csrf }),
        testContext(t.db),
      );
      expect((result as Response).status).toBe(403);
      expect((result as Response).headers.get("Set-Cookie")).toBeNull();
      expect([await count("login_attempts"), await count("sessions")]).toEqual([
        attempts,
        sessions,
      ]);
    });

    it(`rejects logout ${label}: the session survives`, async () => {
      const { jar } = await signUpBrand(t.db);
      const result = await call(
        logoutAction,
        postForm("/logout", {}, jar, { csrf }),
        testContext(t.db),
      );
      expect((result as Response).status).toBe(403);
      const still = await call(appLoader, getRequest("/app", jar), testContext(t.db));
      expect(still).not.toBeInstanceOf(Response);
    });

    it(`rejects brand settings and API key changes ${label}`, async () => {
      const { jar } = await signUpBrand(t.db, { brandName: "Keep Me" });
      const rename = await call(
        settingsAction,
        postForm("/app/settings", { name: "Hijacked" }, jar, { csrf }),
        testContext(t.db),
      );
      expect((rename as Response).status).toBe(403);
      expect(
        await t.db
          .selectFrom("brands")
          .select("id")
          .where("name", "=", "Hijacked")
          .executeTakeFirst(),
      ).toBeUndefined();
      const keys = await count("api_keys");
      const create = await call(
        apiKeysAction,
        postForm("/app/settings/api-keys", { intent: "create", name: "Forged" }, jar, { csrf }),
        testContext(t.db),
      );
      expect((create as Response).status).toBe(403);
      expect(await count("api_keys")).toBe(keys);
    });
  }

  it("rejects a token that matches the field but not the cookie", async () => {
    const { jar } = await signUpBrand(t.db);
    jar.set("__rekomi_csrf", "y".repeat(43));
    const result = await call(
      settingsAction,
      postForm("/app/settings", { name: "Other" }, jar),
      testContext(t.db),
    );
    expect((result as Response).status).toBe(403);
  });
});

describe("session cookie", () => {
  function sessionCookie(response: Response, name = "__rekomi_session"): string {
    const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
    expect(line).toBeTruthy();
    return line!;
  }

  it("is HttpOnly, SameSite=Lax, Path=/ and not Secure on http", async () => {
    const { email } = await signUpBrand(t.db);
    const { result } = await logIn(t.db, email);
    const cookie = sessionCookie(result as Response);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("is Secure when APP_URL is https", async () => {
    // Session storage is cached per Kysely instance, so the https config gets its own instance.
    const db = createDb(t.pool);
    const ctx = testContext(db, { config: testConfig({ APP_URL: "https://rekomi.example.com" }) });
    const email = uniqueEmail();
    const { response } = await signUpBrand(db, { email, ctx });
    // On https the name carries the __Host- prefix (issue 15).
    const cookie = sessionCookie(response, "__Host-rekomi_session");
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  });
});
