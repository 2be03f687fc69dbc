import { mailWorld } from "../helpers/mail-world";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as unsubscribe from "../../app/routes/unsubscribe";
import * as affiliateAccount from "../../app/routes/a.account";
import type { Campaign } from "../../app/db/schema";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { joinCampaign } from "../../app/services/affiliates/join.server";
import { queueNotification } from "../../app/services/notifications/notification-events.server";
import { recordS2sConversion } from "../../app/services/attribution/s2s.server";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { getRequest, postForm } from "../helpers/context";
import { deliverOutbox, runNotificationJobs } from "../helpers/smtp";
import { brandWithOwner, signIn } from "../portal/fixtures";
import { bodyOf, call, statusOf } from "./helpers";

const w = mailWorld();
const { config, ctx } = w;
let campaign: Campaign;
let owner: Awaited<ReturnType<typeof brandWithOwner>>;
const done = new Set<string>();
async function flush() {
  await runNotificationJobs(w.db, config(), done);
  await deliverOutbox(w.db, config());
}

beforeAll(async () => {
  owner = await brandWithOwner(w.db, "Notify Co");
  campaign = await createCampaign(w.db, owner.brandId, {
    name: "Notify Partners",
    destinationUrl: "https://notify.example.com",
    commission: { type: "percent", bps: 1000 },
    recurringMonths: null,
    subAffiliateOverrideBps: 0,
    cookieWindowDays: 30,
    autoApprove: false,
  });
});
afterAll(async () => {});

describe("notifications", () => {
  it("application received / pending approval / approved / new commission / clawed back, each with an unsubscribe link that works", async () => {
    const joined = await joinCampaign(w.db, config(), {
      slug: campaign.slug,
      name: "Nora",
      email: "nora@aff.test",
      password: "nora-secret-pass-1",
    });
    if (!joined.ok || joined.outcome !== "joined") throw new Error("join failed");
    await flush();
    expect(w.smtp.to("nora@aff.test").map((m) => m.subject)).toEqual([
      "Confirm your email address for Rekomi",
      "Your application to Notify Co was received",
    ]);
    const ownerMail = w.smtp.to(owner.email);
    expect(ownerMail.map((m) => m.subject)).toEqual(["Nora is waiting for approval"]);
    expect(ownerMail[0].text).toContain("http://localhost:3000/app/affiliates?status=pending");
    expect(ownerMail[0].text).toMatch(/Unsubscribe: http:\/\/localhost:3000\/unsubscribe\?u=/);

    await setAffiliateStatus(w.db, owner.brandId, joined.affiliate.id, "approved");
    await flush();
    expect(w.smtp.to("nora@aff.test").at(-1)!.subject).toBe("Notify Co approved your application");

    const s2s = await recordS2sConversion(w.db, owner.brandId, {
      external_id: "order-n1",
      amount: 10000,
      currency: "usd",
      affiliate_id: joined.affiliate.id,
    });
    expect(s2s.ok).toBe(true);
    await flush();
    const earned = w.smtp.to("nora@aff.test").at(-1)!;
    expect(earned.subject).toBe("You earned $10.00 from Notify Co");

    // Unsubscribe from commission emails through the link (GET changes nothing; POST does).
    const link = new URL(earned.links.find((l) => l.includes("/unsubscribe?"))!);
    const page = await call(unsubscribe.loader, getRequest(link.pathname + link.search), ctx());
    expect(bodyOf(page)).toEqual({ label: "I earned a new commission" });
    const forged = new URL(link);
    forged.searchParams.set("k", "application_decided");
    expect(
      statusOf(
        await call(unsubscribe.action, postForm(forged.pathname + forged.search, {}), ctx()),
      ),
    ).toBe(400);
    const out = await call(unsubscribe.action, postForm(link.pathname + link.search, {}), ctx());
    expect(bodyOf(out)).toEqual({ done: true });

    await recordS2sConversion(w.db, owner.brandId, {
      external_id: "order-n2",
      amount: 5000,
      currency: "usd",
      affiliate_id: joined.affiliate.id,
    });
    const before = w.smtp.to("nora@aff.test").length;
    await flush();
    expect(w.smtp.to("nora@aff.test")).toHaveLength(before);

    // A clawback (as the refund path records it) emails the clawed-back amount.
    const conversion = await w.db
      .selectFrom("conversions")
      .select(["id", "currency"])
      .where("external_id", "=", "order-n1")
      .executeTakeFirstOrThrow();
    await w.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("commission_entries")
        .values({
          brand_id: owner.brandId,
          conversion_id: conversion.id,
          affiliate_id: joined.affiliate.id,
          kind: "clawback",
          amount: -500,
          currency: "usd",
        })
        .execute();
      await queueNotification(trx, { kind: "commission_clawed_back", conversionId: conversion.id });
    });
    await flush();
    expect(w.smtp.to("nora@aff.test").at(-1)!.subject).toBe(
      "$5.00 commission from Notify Co was clawed back",
    );

    // The settings page shows the preference off, and can turn it on again.
    const jar = await signIn(w.db, joined.userId);
    const prefs = bodyOf<{ preferences: { kind: string; enabled: boolean }[] }>(
      await call(affiliateAccount.loader, getRequest("/a/account", jar), ctx()),
    ).preferences;
    expect(prefs.find((p) => p.kind === "commission_earned")).toEqual({
      kind: "commission_earned",
      enabled: false,
    });
    expect(prefs.map((p) => p.kind)).toEqual([
      "application_received",
      "application_decided",
      "commission_earned",
      "commission_clawed_back",
    ]);
    const saved = await call(
      affiliateAccount.action,
      postForm(
        "/a/account",
        { intent: "notifications", commission_earned: "on", commission_clawed_back: "on" },
        jar,
      ),
      ctx(),
    );
    expect(statusOf(saved)).toBe(200);
    const after = bodyOf<{ preferences: { kind: string; enabled: boolean }[] }>(
      await call(affiliateAccount.loader, getRequest("/a/account", jar), ctx()),
    ).preferences;
    expect(after.filter((p) => p.enabled).map((p) => p.kind)).toEqual([
      "commission_earned",
      "commission_clawed_back",
    ]);
  });

  it("owners hear when a Stripe event keeps failing (once, at the third failure) and when a webhook endpoint is disabled", async () => {
    const row = await w.db
      .insertInto("stripe_events")
      .values({
        brand_id: owner.brandId,
        stripe_event_id: "evt_notify_1",
        type: "invoice.paid",
        livemode: false,
        payload: JSON.stringify({ id: "evt_notify_1", type: "invoice.paid", data: { object: {} } }),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const failing = {
      "invoice.paid": async () => {
        throw new Error("boom from the handler");
      },
    };
    const before = w.smtp.to(owner.email).length;
    for (let i = 0; i < 4; i++) {
      await expect(processStripeEvent(w.db, { config: config() }, row.id, failing)).rejects.toThrow(
        "boom",
      );
      await flush();
      expect(w.smtp.to(owner.email).length - before).toBe(i < 2 ? 0 : 1);
    }
    const mail = w.smtp.to(owner.email).at(-1)!;
    expect(mail.subject).toBe("Stripe events are failing to process");
    expect(mail.text).toContain("Last error: boom from the handler");

    const endpoint = await w.db
      .insertInto("webhook_endpoints")
      .values({
        brand_id: owner.brandId,
        url: "https://hooks.example.com/rekomi",
        event_types: ["conversion.created"],
        secret_encrypted: "x",
        enabled: false,
        disabled_reason: "Disabled automatically: the endpoint answered 410 Gone.",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await queueNotification(w.db, { kind: "webhook_disabled", endpointId: endpoint.id });
    await flush();
    const disabled = w.smtp.to(owner.email).at(-1)!;
    expect(disabled.subject).toBe("A webhook endpoint was disabled");
    expect(disabled.text).toContain("https://hooks.example.com/rekomi");
  });
});
