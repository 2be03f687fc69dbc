import { mailWorld } from "../helpers/mail-world";
import { describe, expect, it } from "vitest";
import { loader as appLoader, type BrandLayoutData } from "../../app/routes/app";
import * as apiKeys from "../../app/routes/app.settings.api-keys";
import * as stripeSettings from "../../app/routes/app.settings.stripe/route";
import * as signup from "../../app/routes/signup";
import * as verify from "../../app/routes/verify-email.$token";
import * as resend from "../../app/routes/verify-email._index";
import { CookieJar, getRequest, postForm, testConfig } from "../helpers/context";
import { deliverOutbox, linkPath, startTestSmtp } from "../helpers/smtp";
import { PASSWORD, bodyOf, call, locationOf, logIn, statusOf, uniqueEmail } from "./helpers";

const w = mailWorld({ MAIL_FROM: "Rekomi <mail@rekomi.test>" });
const { config, ctx } = w;

async function signUp(email: string) {
  return call(
    signup.action,
    postForm("/signup", {
      brandName: "Verified Co",
      name: "Val Owner",
      email,
      password: PASSWORD,
      confirmPassword: PASSWORD,
    }),
    ctx(),
  );
}

describe("email that really sends, and verified addresses", () => {
  it("signup → verification email over real SMTP → verified and signed in", async () => {
    const email = uniqueEmail("verify");
    const result = await signUp(email);
    expect(statusOf(result)).toBe(200);
    expect(bodyOf<{ sentTo: string }>(result).sentTo).toBe(email);
    const user = await w.db
      .selectFrom("users")
      .select(["id", "email_verified_at"])
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeNull();

    // The outbox row and its job were written by the signup transaction.
    const row = await w.db
      .selectFrom("email_outbox")
      .selectAll()
      .where("to_email", "=", email)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: "verify_email", sent_at: null, attempts: 0 });
    const jobs = await w.db
      .selectFrom("graphile_worker.jobs" as never)
      .select(["task_identifier" as never])
      .where("key" as never, "=", `email:${row.id}` as never)
      .execute();
    expect(jobs).toEqual([{ task_identifier: "email__send" }]);

    expect(await deliverOutbox(w.db, config())).toBeGreaterThanOrEqual(1);
    const [mail] = w.smtp.to(email);
    expect(mail.subject).toBe("Confirm your email address for Rekomi");
    expect(mail.from).toBe('"Rekomi" <mail@rekomi.test>');
    expect(mail.text).toContain("Confirm my email: http://localhost:3000/verify-email/");
    expect(mail.html).toContain(">Confirm my email</a>");
    // Sent: the body (it holds the single-use link) is gone from the database; only its hash stays.
    const sent = await w.db
      .selectFrom("email_outbox")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(sent).toMatchObject({ text_body: null, html_body: null, attempts: 1 });
    expect(sent.sent_at).toBeInstanceOf(Date);
    const path = linkPath(mail, "/verify-email/");
    const token = path.split("/").pop()!;
    const stored = await w.db
      .selectFrom("account_tokens")
      .select(["token_hash", "expires_at"])
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const hours = (stored.expires_at.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    // Opening the link (GET) changes nothing; the button (POST) verifies and signs in.
    const page = await call(verify.loader, getRequest(path), ctx(), { token });
    expect(bodyOf(page)).toEqual({ valid: true, email, change: false });
    const jar = new CookieJar();
    const confirmed = await call(verify.action, postForm(path, {}, jar), ctx(), { token });
    expect(statusOf(confirmed)).toBe(302);
    expect(locationOf(confirmed)).toBe("/app");
    jar.absorb(confirmed as Response);
    const layout = bodyOf<BrandLayoutData>(await call(appLoader, getRequest("/app", jar), ctx()));
    expect(layout.user.verified).toBe(true);

    // Single use.
    const again = await call(verify.action, postForm(path, {}, new CookieJar()), ctx(), { token });
    expect(statusOf(again)).toBe(400);
    expect(bodyOf<{ error: string }>(again).error).toMatch(/already used or has expired/);
  });

  it("an expired link does not verify", async () => {
    const email = uniqueEmail("expired");
    await signUp(email);
    await deliverOutbox(w.db, config());
    const path = linkPath(w.smtp.to(email)[0], "/verify-email/");
    await w.db
      .updateTable("account_tokens")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("email", "=", email)
      .execute();
    const token = path.split("/").pop()!;
    const out = await call(verify.action, postForm(path, {}), ctx(), { token });
    expect(statusOf(out)).toBe(400);
    const user = await w.db
      .selectFrom("users")
      .select("email_verified_at")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeNull();
  });

  it("until verified, an owner sees the banner data and cannot create API keys or connect Stripe; resend sends a new link", async () => {
    const email = uniqueEmail("unverified");
    await signUp(email);
    const { jar } = await logIn(w.db, email, PASSWORD);
    const layout = bodyOf<BrandLayoutData>(await call(appLoader, getRequest("/app", jar), ctx()));
    expect(layout.user.verified).toBe(false);

    const key = await call(
      apiKeys.action,
      postForm("/app/settings/api-keys", { intent: "create", name: "CI" }, jar),
      ctx(),
    );
    expect(statusOf(key)).toBe(403);
    expect(await (key as Response).text()).toMatch(/Confirm your email address first/);
    const connect = await call(
      stripeSettings.action,
      postForm("/app/settings/stripe", { intent: "connect", secret_key: "rk_test_x" }, jar),
      ctx(),
    );
    expect(statusOf(connect)).toBe(403);
    expect(
      await w.db.selectFrom("api_keys").select("id").where("name", "=", "CI").execute(),
    ).toHaveLength(0);

    const resent = await call(resend.action, postForm("/verify-email", {}, jar), ctx());
    expect(bodyOf<{ message: string }>(resent).message).toBe(`We sent a new link to ${email}.`);
    await deliverOutbox(w.db, config());
    const mails = w.smtp.to(email);
    expect(mails).toHaveLength(2);
    // The first link was retired by the new one.
    const first = linkPath(mails[0], "/verify-email/").split("/").pop()!;
    const second = linkPath(mails[1], "/verify-email/").split("/").pop()!;
    expect(
      statusOf(await call(verify.action, postForm("/x", {}, jar), ctx(), { token: first })),
    ).toBe(400);
    expect(
      statusOf(await call(verify.action, postForm("/x", {}, jar), ctx(), { token: second })),
    ).toBe(302);
    const created = await call(
      apiKeys.action,
      postForm("/app/settings/api-keys", { intent: "create", name: "CI" }, jar),
      ctx(),
    );
    expect(statusOf(created)).toBe(200);
  });

  it("an SMTP outage loses nothing: the send fails and is kept with its error, then goes out when the server is back", async () => {
    const email = uniqueEmail("outage");
    const down = await startTestSmtp();
    const port = down.port;
    await down.close();
    const downConfig = testConfig({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    // The request does not touch SMTP: signup answers at once.
    expect(statusOf(await signUp(email))).toBe(200);
    await expect(deliverOutbox(w.db, downConfig)).rejects.toThrow();
    const row = await w.db
      .selectFrom("email_outbox")
      .selectAll()
      .where("to_email", "=", email)
      .executeTakeFirstOrThrow();
    expect(row.sent_at).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(row.text_body).toContain("/verify-email/");

    const back = await startTestSmtp(port);
    try {
      await deliverOutbox(w.db, downConfig);
      expect(back.to(email).map((m) => m.subject)).toEqual([
        "Confirm your email address for Rekomi",
      ]);
    } finally {
      await back.close();
    }
  });
});
