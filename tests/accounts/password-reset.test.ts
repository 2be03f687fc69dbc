import { mailWorld } from "../helpers/mail-world";
import { describe, expect, it } from "vitest";
import { loader as appLoader } from "../../app/routes/app";
import * as account from "../../app/routes/app.settings.account";
import * as forgot from "../../app/routes/forgot-password";
import * as reset from "../../app/routes/reset-password.$token";
import * as verify from "../../app/routes/verify-email.$token";
import { passwordProblem } from "../../app/domain/passwords";
import { CookieJar, getRequest, postForm } from "../helpers/context";
import { deliverOutbox, linkPath } from "../helpers/smtp";
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

const w = mailWorld();
const { config, ctx } = w;

async function signedIn(jar: CookieJar): Promise<boolean> {
  return statusOf(await call(appLoader, getRequest("/app", jar), ctx())) === 200;
}

describe("password reset", () => {
  it("forgot password → email → reset → the old session cookie no longer works; the link is single-use and lasts 1 hour", async () => {
    const { jar: oldSession, email } = await signUpBrand(w.db);
    expect(await signedIn(oldSession)).toBe(true);

    const asked = await call(forgot.action, postForm("/forgot-password", { email }), ctx());
    expect(bodyOf(asked)).toEqual({ sentTo: email });
    await deliverOutbox(w.db, config());
    const mail = w.smtp.to(email).find((m) => m.subject === "Reset your Rekomi password")!;
    expect(mail.text).toContain("expires in 1 hour");
    const path = linkPath(mail, "/reset-password/");
    const token = path.split("/").pop()!;
    const row = await w.db
      .selectFrom("account_tokens")
      .select("expires_at")
      .where("email", "=", email)
      .where("purpose", "=", "reset_password")
      .executeTakeFirstOrThrow();
    const minutes = (row.expires_at.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);

    expect(bodyOf(await call(reset.loader, getRequest(path), ctx(), { token }))).toEqual({
      valid: true,
    });
    const weak = await call(
      reset.action,
      postForm(path, { password: "password12", confirmPassword: "password12" }),
      ctx(),
      { token },
    );
    expect(statusOf(weak)).toBe(400);
    expect(bodyOf<{ fieldErrors: { password: string } }>(weak).fieldErrors.password).toMatch(
      /commonly used password/,
    );

    const fresh = new CookieJar();
    const done = await call(
      reset.action,
      postForm(
        path,
        { password: "brand-new-secret-77", confirmPassword: "brand-new-secret-77" },
        fresh,
      ),
      ctx(),
      { token },
    );
    expect(statusOf(done)).toBe(302);
    expect(locationOf(done)).toBe("/app");
    fresh.absorb(done as Response);
    expect(await signedIn(fresh)).toBe(true);
    expect(await signedIn(oldSession)).toBe(false);
    expect(statusOf((await logIn(w.db, email, PASSWORD, { ip: "10.1.1.1" })).result)).toBe(400);
    expect(
      statusOf((await logIn(w.db, email, "brand-new-secret-77", { ip: "10.1.1.1" })).result),
    ).toBe(302);

    const again = await call(
      reset.action,
      postForm(path, { password: "yet-another-secret-8", confirmPassword: "yet-another-secret-8" }),
      ctx(),
      { token },
    );
    expect(statusOf(again)).toBe(400);
    expect(bodyOf(again)).toEqual({
      invalid: true,
      error: "This reset link was already used or has expired.",
    });
  });

  it("answers the same for an unknown email, and sends nothing", async () => {
    const email = uniqueEmail("ghost");
    const asked = await call(forgot.action, postForm("/forgot-password", { email }), ctx());
    expect(statusOf(asked)).toBe(200);
    expect(bodyOf(asked)).toEqual({ sentTo: email });
    expect(
      await w.db.selectFrom("email_outbox").select("id").where("to_email", "=", email).execute(),
    ).toHaveLength(0);
    const bad = await call(forgot.action, postForm("/forgot-password", { email: "nope" }), ctx());
    expect(statusOf(bad)).toBe(400);
  });
});

describe("Settings → Account", () => {
  it("changing the password needs the current one (throttled), ends every other session, keeps this one", async () => {
    const { jar: here, email } = await signUpBrand(w.db);
    const { jar: elsewhere } = await logIn(w.db, email, PASSWORD, { ip: "10.2.2.2" });
    const wrong = await call(
      account.action,
      postForm(
        "/app/settings/account",
        {
          intent: "password",
          currentPassword: "not-it-at-all",
          newPassword: "fresh-secret-value-1",
          confirmPassword: "fresh-secret-value-1",
        },
        here,
      ),
      ctx(),
    );
    expect(statusOf(wrong)).toBe(400);
    expect(
      bodyOf<{ fieldErrors: { currentPassword: string } }>(wrong).fieldErrors.currentPassword,
    ).toBe("The password is incorrect.");
    const ok = await call(
      account.action,
      postForm(
        "/app/settings/account",
        {
          intent: "password",
          currentPassword: PASSWORD,
          newPassword: "fresh-secret-value-1",
          confirmPassword: "fresh-secret-value-1",
        },
        here,
      ),
      ctx(),
    );
    expect(statusOf(ok)).toBe(200);
    expect(await signedIn(here)).toBe(true);
    expect(await signedIn(elsewhere)).toBe(false);
  });

  it("changing the email is verified again: the old address stays until the new one's link is opened", async () => {
    const { jar, email } = await signUpBrand(w.db);
    const next = uniqueEmail("next");
    const out = await call(
      account.action,
      postForm(
        "/app/settings/account",
        { intent: "email", newEmail: next, currentPassword: PASSWORD },
        jar,
      ),
      ctx(),
    );
    expect(statusOf(out)).toBe(200);
    const user = () =>
      w.db
        .selectFrom("users")
        .select(["email", "email_verified_at"])
        .where("email", "in", [email, next])
        .executeTakeFirstOrThrow();
    expect((await user()).email).toBe(email);
    await deliverOutbox(w.db, config());
    const path = linkPath(w.smtp.to(next)[0], "/verify-email/");
    const done = await call(verify.action, postForm(path, {}, jar), ctx(), {
      token: path.split("/").pop()!,
    });
    expect(statusOf(done)).toBe(302);
    const after = await user();
    expect(after.email).toBe(next);
    expect(after.email_verified_at).toBeInstanceOf(Date);
  });
});

describe("password strength", () => {
  it("refuses short, common and guessable passwords and says why; accepts a strong one", () => {
    expect(passwordProblem("short")).toBe("Use at least 10 characters.");
    expect(passwordProblem("aaaaaaaaaa")).toMatch(
      /^Repeated characters like "aaa" are easy to guess\./,
    );
    expect(passwordProblem("1234567890")).toMatch(/^This is a frequently used password\./);
    expect(passwordProblem("password12")).toMatch(/^This is a commonly used password\./);
    expect(passwordProblem("correct-horse-battery")).toBeNull();
  });
});
