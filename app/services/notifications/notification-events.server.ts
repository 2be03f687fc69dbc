/**
 * Notification triggers. The code that causes a notification (join, status change, conversion,
 * webhook endpoint disabled, Stripe event failing) only calls `queueNotification` inside its own
 * transaction: a `notifications__send` job, committed or rolled back with the change. The job
 * (which has the app's config) renders the email for each recipient who wants it and writes the
 * outbox rows, sent by `email__send`.
 */
import type { Kysely } from "kysely";
import type { Config } from "~/config.server";
import { addJob } from "~/db/jobs.server";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import { formatMoney } from "~/domain/money";
import * as emails from "~/mail/notification-emails";
import { inTransaction } from "~/db/tx.server";
import { notifyAffiliate, notifyBrandOwners } from "./notifications.server";
import {
  NOTIFY_TASK,
  notifyJobKey,
  notificationPayloadSchema,
  type NotificationPayload,
} from "~/db/job-registry";

export { NOTIFY_TASK, notificationPayloadSchema, type NotificationPayload };

function subjectId(p: NotificationPayload): string {
  if ("affiliateId" in p) return p.affiliateId;
  if ("conversionId" in p) return p.conversionId;
  if ("endpointId" in p) return p.endpointId;
  return p.eventRowId;
}

/** Enqueue inside the caller's transaction. `jobKey` dedupes (default: one per kind + subject). */
export async function queueNotification(
  db: Kysely<Database>,
  payload: NotificationPayload,
  opts: { jobKey?: string } = {},
): Promise<void> {
  await addJob(db, NOTIFY_TASK, payload, {
    jobKey: opts.jobKey ?? notifyJobKey(payload.kind, subjectId(payload)),
    maxAttempts: 10,
  });
}

type Deps = Pick<Config, "appUrl" | "sessionSecret">;
type Of<K extends NotificationPayload["kind"]> = NotificationPayload & { kind: K };
type Parts = Parameters<typeof notifyBrandOwners>[2]["parts"];

/** The job: render and queue the emails (one transaction). Missing subjects are skipped. */
export async function sendNotification(
  db: DB,
  deps: Deps,
  payload: NotificationPayload,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    switch (payload.kind) {
      case "application_received":
        return notifyAffiliate(trx, deps, {
          affiliateId: payload.affiliateId,
          kind: payload.kind,
          parts: (brandName) => emails.applicationReceived({ brandName, appUrl: deps.appUrl }),
        });
      case "application_decided":
        return applicationDecided(trx, deps, payload);
      case "affiliate_pending":
        return affiliatePending(trx, deps, payload);
      case "commission_earned":
      case "commission_clawed_back":
        return commissionChanged(trx, deps, payload);
      case "webhook_disabled":
        return webhookDisabled(trx, deps, payload);
      case "stripe_events_failing":
        return stripeEventsFailing(trx, deps, payload);
    }
  });
}

/** Email the owners of `row`'s brand, when there is a row and it still calls for the email. */
async function toBrandOwners<R extends { brand_id: string }>(
  trx: DB,
  deps: Deps,
  kind: NotificationPayload["kind"],
  row: R | undefined,
  email: (row: R) => Parts | null,
): Promise<void> {
  const parts = row ? email(row) : null;
  if (!row || !parts) return;
  await notifyBrandOwners(trx, deps, { brandId: row.brand_id, kind, parts });
}

async function applicationDecided(trx: DB, deps: Deps, p: { affiliateId: string }) {
  const row = await trx
    .selectFrom("affiliates")
    .select("status")
    .where("id", "=", p.affiliateId)
    .executeTakeFirst();
  if (!row || (row.status !== "approved" && row.status !== "rejected")) return;
  const approved = row.status === "approved";
  await notifyAffiliate(trx, deps, {
    affiliateId: p.affiliateId,
    kind: "application_decided",
    parts: (brandName) => emails.applicationDecided({ brandName, approved, appUrl: deps.appUrl }),
  });
}

async function affiliatePending(trx: DB, deps: Deps, p: { affiliateId: string }) {
  const row = await trx
    .selectFrom("affiliates")
    .select(["brand_id", "name", "email", "status"])
    .where("id", "=", p.affiliateId)
    .executeTakeFirst();
  await toBrandOwners(trx, deps, "affiliate_pending", row, (r) =>
    r.status !== "pending"
      ? null
      : emails.affiliatePending({
          affiliateName: r.name,
          affiliateEmail: r.email,
          appUrl: deps.appUrl,
        }),
  );
}

async function commissionChanged(
  trx: DB,
  deps: Deps,
  p: Of<"commission_earned" | "commission_clawed_back">,
) {
  const clawback = p.kind === "commission_clawed_back";
  const conversion = await trx
    .selectFrom("conversions")
    .select(["affiliate_id", "commission_amount", "currency"])
    .where("id", "=", p.conversionId)
    .executeTakeFirst();
  if (!conversion?.affiliate_id) return;
  const clawed = await trx
    .selectFrom("commission_entries")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), eb.val(0)).as("total"))
    .where("conversion_id", "=", p.conversionId)
    .where("affiliate_id", "=", conversion.affiliate_id)
    .where("kind", "=", "clawback")
    .executeTakeFirstOrThrow();
  const minor = clawback ? Math.abs(Number(clawed.total)) : conversion.commission_amount;
  if (minor <= 0) return;
  const amount = formatMoney(minor, conversion.currency);
  const appUrl = deps.appUrl;
  await notifyAffiliate(trx, deps, {
    affiliateId: conversion.affiliate_id,
    kind: p.kind,
    parts: (brandName) =>
      clawback
        ? emails.commissionClawedBack({ brandName, amount, appUrl })
        : emails.commissionEarned({ brandName, amount, appUrl }),
  });
}

async function webhookDisabled(trx: DB, deps: Deps, p: Of<"webhook_disabled">) {
  const ep = await trx
    .selectFrom("webhook_endpoints")
    .select(["brand_id", "url", "disabled_reason", "enabled"])
    .where("id", "=", p.endpointId)
    .executeTakeFirst();
  const link = `${deps.appUrl}/app/settings/webhooks/${p.endpointId}`;
  await toBrandOwners(trx, deps, p.kind, ep, (e) =>
    e.enabled
      ? null
      : emails.webhookDisabled({ url: e.url, reason: e.disabled_reason ?? "", link }),
  );
}

async function stripeEventsFailing(trx: DB, deps: Deps, p: Of<"stripe_events_failing">) {
  const ev = await trx
    .selectFrom("stripe_events")
    .select(["brand_id", "type", "error", "status"])
    .where("id", "=", p.eventRowId)
    .executeTakeFirst();
  await toBrandOwners(trx, deps, p.kind, ev, (e) =>
    e.status !== "failed"
      ? null
      : emails.stripeEventsFailing({
          eventType: e.type,
          error: e.error ?? "unknown",
          appUrl: deps.appUrl,
        }),
  );
}
