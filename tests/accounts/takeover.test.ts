import { mailWorld } from "../helpers/mail-world";
/**
 * Issue 14 acceptance: no account takeover through /join, invitations instead of silent
 * linking, and one atomic password throttle (per account+IP and per IP, 429 + Retry-After).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as portalHome from "../../app/routes/a._index";
import * as inviteAffiliate from "../../app/routes/app.affiliates.invite";
import * as invite from "../../app/routes/invite.$token";
import * as join from "../../app/routes/join.$slug";
import * as login from "../../app/routes/login";
import type { Campaign } from "../../app/db/schema";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { createApiKey } from "../../app/services/accounts/api-keys.server";
import { CookieJar, TEST_CSRF, getRequest, postForm } from "../helpers/context";
import { deliverOutbox, linkPath } from "../helpers/smtp";
import { startApiServer } from "../api/server";
import { brandWithOwner } from "../portal/fixtures";
import { bodyOf, call, locationOf, statusOf } from "./helpers";

const w = mailWorld();
const { config, ctx } = w;
let api: { url: string; close(): Promise<void> };
let campaign: Campaign;
let apiKey: string;

beforeAll(async () => {
  const brand = await brandWithOwner(w.db, "Acme");
  campaign = await createCampaign(w.db, brand.brandId, {
    name: "Acme Partners",
    destinationUrl: "https://acme.example.com",
    commission: { type: "percent", bps: 2000 },
    recurringMonths: 12,
    subAffiliateOverrideBps: 0,
    cookieWindowDays: 30,
    autoApprove: true,
  });
  apiKey = (await createApiKey(w.db, { brandId: brand.brandId, name: "k" })).apiKey;
  api = await startApiServer(ctx());
});
afterAll(async () => {
  await api.close();
});

async function postJoin(fields: Record<string, string>, jar = new CookieJar(), ip?: string) {
  const out = await call(join.action, postForm(`/join/${campaign.slug}`, fields, jar), ctx(ip), {
    slug: campaign.slug,
  });
  if (out instanceof Response) jar.absorb(out);
  return { out, jar };
}

async function postLogin(email: string, password: string, ip: string) {
  const jar = new CookieJar();
  const out = await call(login.action, postForm("/login", { email, password }, jar), ctx(ip));
  if (out instanceof Response) jar.absorb(out);
  return { out, jar };
}

function retryAfter(out: unknown): string | null {
  const init = (out as { init?: ResponseInit }).init;
  return new Headers(init?.headers).get("Retry-After");
}

async function createAffiliateOverHttp(email: string, name: string) {
  const response = await fetch(`${api.url}/api/v1/affiliates`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ email, name, campaign_id: campaign.id }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("invitations instead of silent linking", () => {
  it("a brand creates bob@x → invitation email; /join with bob@x and a new password does not grant Bob's portal; the emailed link does, after sign-up with that email", async () => {
    const created = await createAffiliateOverHttp("bob@x.test", "Bob");
    expect(created.status).toBe(201);
    const invitation = created.body.invitation as { status: string; sent_at: string };
    expect(invitation.status).toBe("pending");
    expect(invitation.sent_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const bobId = created.body.id as string;

    await deliverOutbox(w.db, config());
    const [mail] = w.smtp.to("bob@x.test");
    expect(mail.subject).toBe("Acme invited you to its affiliate program");
    expect(mail.text).toContain("Accept the invitation: http://localhost:3000/invite/");

    // The attacker joins with Bob's email and a password of their own.
    const attack = await postJoin({
      name: "Mallory",
      email: "bob@x.test",
      password: "mallory-owns-this-1",
    });
    expect(statusOf(attack.out)).toBe(200);
    expect(bodyOf<{ sentTo: string }>(attack.out).sentTo).toBe("bob@x.test");
    expect(attack.jar.get("__rekomi_session")).toBeUndefined();
    const row = await w.db
      .selectFrom("affiliates")
      .select("user_id")
      .where("id", "=", bobId)
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBeNull();
    // Logging in with that password gives an empty portal, not Bob's.
    const mallory = await postLogin("bob@x.test", "mallory-owns-this-1", "192.0.2.66");
    expect(statusOf(mallory.out)).toBe(302);
    const malloryHome = bodyOf<{ enrollments: unknown[] }>(
      await call(portalHome.loader, getRequest("/a", mallory.jar), ctx()),
    );
    expect(malloryHome.enrollments).toEqual([]);

    // Bob opens the invitation (it was emailed again by the join attempt; either link works).
    await deliverOutbox(w.db, config());
    const path = linkPath(w.smtp.to("bob@x.test")[0], "/invite/");
    const token = path.split("/").pop()!;
    const page = bodyOf<{ invitation: { email: string; account: string; brandName: string } }>(
      await call(invite.loader, getRequest(path), ctx(), { token }),
    );
    expect(page.invitation).toMatchObject({
      email: "bob@x.test",
      brandName: "Acme",
      account: "unverified",
    });
    const bob = new CookieJar();
    const accepted = await call(
      invite.action,
      postForm(path, { name: "Bob", password: "bobs-own-secret-99" }, bob),
      ctx(),
      { token },
    );
    expect(statusOf(accepted)).toBe(302);
    expect(locationOf(accepted)).toBe("/a");
    bob.absorb(accepted as Response);
    const bobHome = bodyOf<{ enrollments: { campaignName: string }[] }>(
      await call(portalHome.loader, getRequest("/a", bob), ctx()),
    );
    expect(bobHome.enrollments.map((e) => e.campaignName)).toEqual(["Acme Partners"]);
    // The attacker's session ended; their password no longer works.
    expect(locationOf(await call(portalHome.loader, getRequest("/a", mallory.jar), ctx()))).toMatch(
      /^\/login/,
    );
    expect(statusOf((await postLogin("bob@x.test", "mallory-owns-this-1", "192.0.2.67")).out)).toBe(
      400,
    );
    const user = await w.db
      .selectFrom("users")
      .select(["id", "email_verified_at"])
      .where("email", "=", "bob@x.test")
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).toBeInstanceOf(Date);

    const fetched = await fetch(`${api.url}/api/v1/affiliates/${bobId}`, {
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    expect(((await fetched.json()) as { invitation: { status: string } }).invitation.status).toBe(
      "accepted",
    );
    // Single use.
    const reuse = await call(
      invite.action,
      postForm(path, { name: "Eve", password: "another-long-secret-1" }, new CookieJar()),
      ctx(),
      { token },
    );
    expect(statusOf(reuse)).toBe(400);
  });

  it("the brand UI invites an affiliate too: an invitation email, and the row has no user until claimed", async () => {
    const owner = await brandWithOwner(w.db, "UI Brand");
    const uiCampaign = await createCampaign(w.db, owner.brandId, {
      name: "UI Partners",
      destinationUrl: "https://ui.example.com",
      commission: { type: "percent", bps: 1500 },
      recurringMonths: null,
      subAffiliateOverrideBps: 0,
      cookieWindowDays: 30,
      autoApprove: false,
    });
    const bad = await call(
      inviteAffiliate.action,
      postForm(
        "/app/affiliates/invite",
        { name: "", email: "x", campaignId: uiCampaign.id },
        owner.jar,
      ),
      ctx(),
    );
    expect(statusOf(bad)).toBe(400);
    expect(Object.keys(bodyOf<{ fieldErrors: object }>(bad).fieldErrors).sort()).toEqual([
      "email",
      "name",
    ]);
    const out = await call(
      inviteAffiliate.action,
      postForm(
        "/app/affiliates/invite",
        { name: "Uma", email: "uma@ui.test", campaignId: uiCampaign.id },
        owner.jar,
      ),
      ctx(),
    );
    expect(statusOf(out)).toBe(302);
    expect(locationOf(out)).toMatch(/^\/app\/affiliates\/[0-9a-f-]{36}\?invited=1$/);
    const row = await w.db
      .selectFrom("affiliates")
      .select(["user_id", "invited_at", "status"])
      .where("email", "=", "uma@ui.test")
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBeNull();
    expect(row.invited_at).toBeInstanceOf(Date);
    await deliverOutbox(w.db, config());
    expect(w.smtp.to("uma@ui.test").map((m) => m.subject)).toEqual([
      "UI Brand invited you to its affiliate program",
    ]);
  });

  it("an account made by joining another brand is never linked to an affiliate a brand later creates for that email", async () => {
    const first = await postJoin({
      name: "Carol?",
      email: "carol@victim.test",
      password: "attacker-pass-123",
    });
    expect(statusOf(first.out)).toBe(200);
    const created = await createAffiliateOverHttp("carol@victim.test", "Carol");
    expect(created.status).toBe(409); // this brand already has the joined row for that email
    const other = await createAffiliateOverHttp("carol2@victim.test", "Carol");
    expect((other.body.invitation as { status: string }).status).toBe("pending");
    const row = await w.db
      .selectFrom("affiliates")
      .select("user_id")
      .where("id", "=", other.body.id as string)
      .executeTakeFirstOrThrow();
    expect(row.user_id).toBeNull();
  });
});

describe("one atomic password throttle", () => {
  const owner = { email: "owner@bravo.test", password: "bravo-owner-secret-1" };
  beforeAll(async () => {
    await w.db
      .insertInto("users")
      .values({
        email: owner.email,
        name: "Bravo Owner",
        password_hash: await (
          await import("../../app/auth/password.server")
        ).hashPassword(owner.password),
        email_verified_at: new Date(),
      })
      .execute();
  });

  it("/join never checks a password: 30 guesses and the right password answer the same, with no session and no attempt recorded", async () => {
    for (let i = 0; i < 30; i++) {
      const guess = i === 29 ? owner.password : `guess-number-${i}-xyz`;
      const { out, jar } = await postJoin(
        { name: "X", email: owner.email, password: guess },
        undefined,
        "198.51.100.9",
      );
      expect(statusOf(out)).toBe(200);
      expect(bodyOf<{ sentTo: string }>(out).sentTo).toBe(owner.email);
      expect(jar.get("__rekomi_session")).toBeUndefined();
    }
    const attempts = await w.db
      .selectFrom("login_attempts")
      .select("id")
      .where("email", "=", owner.email)
      .execute();
    expect(attempts).toHaveLength(0);
    // The owner is told once, not 30 times.
    const told = await w.db
      .selectFrom("email_outbox")
      .select("kind")
      .where("to_email", "=", owner.email)
      .execute();
    expect(told).toEqual([{ kind: "already_registered" }]);
  });

  it("/login: 10 wrong passwords, then 429 with Retry-After, even for the right password; the owner from another IP still gets in", async () => {
    const ip = "203.0.113.50";
    for (let i = 0; i < 10; i++) {
      expect(statusOf((await postLogin(owner.email, `wrong-guess-${i}-abc`, ip)).out)).toBe(400);
    }
    for (const password of ["wrong-again-xyz-1", owner.password]) {
      const { out, jar } = await postLogin(owner.email, password, ip);
      expect(statusOf(out)).toBe(429);
      expect(Number(retryAfter(out))).toBeGreaterThan(500);
      expect(jar.get("__rekomi_session")).toBeUndefined();
    }
    const elsewhere = await postLogin(owner.email, owner.password, "198.51.100.77");
    expect(statusOf(elsewhere.out)).toBe(302);
  });

  it("over real HTTP, the 429 document response carries Retry-After (the route's headers export)", async () => {
    const web = await startApiServer(ctx("203.0.113.77"), (f) => f === "login.tsx");
    try {
      const attempt = () =>
        fetch(`${web.url}/login`, {
          method: "POST",
          redirect: "manual",
          headers: {
            Cookie: `__rekomi_csrf=${TEST_CSRF}`,
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({
            email: owner.email,
            password: "http-guess-abc-1",
            _csrf: TEST_CSRF,
          }),
        });
      for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(400);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(limited.headers.get("Retry-After")).toBe("600");
    } finally {
      await web.close();
    }
  });

  it("150 parallel wrong passwords for one account reach at most the limit (10) before 429 + Retry-After", async () => {
    const ip = "203.0.113.99";
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => postLogin(owner.email, `parallel-guess-${i}-q`, ip)),
    );
    const statuses = results.map((r) => statusOf(r.out));
    const checked = statuses.filter((s) => s === 400).length;
    const limited = results.filter((r) => statusOf(r.out) === 429);
    expect(checked).toBeLessThanOrEqual(10);
    expect(checked + limited.length).toBe(150);
    for (const r of limited) expect(Number(retryAfter(r.out))).toBeGreaterThan(0);
    // Only the checked attempts are kept.
    const kept = await w.db
      .selectFrom("login_attempts")
      .select("id")
      .where("ip", "=", ip)
      .execute();
    expect(kept).toHaveLength(checked);
  });

  it("per IP across accounts: an IP that fails for many accounts is stopped too", async () => {
    const ip = "203.0.113.123";
    const statuses: number[] = [];
    for (let i = 0; i < 105; i++) {
      statuses.push(
        statusOf((await postLogin(`nobody-${i}@spray.test`, "spray-password-1", ip)).out),
      );
    }
    expect(statuses.slice(0, 100).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(100)).toEqual([429, 429, 429, 429, 429]);
  }, 60_000);
});
