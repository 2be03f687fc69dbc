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
    jobKey: opts.jobKey ?? `notify:${payload.kind}:${subjectId(payload)}`,
    maxAttempts: 10,
  });
}

type Deps = Pick<Config, "appUrl" | "sessionSecret">;

/** The job: render and queue the emails (one transaction). Missing subjects are skipped. */
export async function sendNotification(
  db: DB,
  deps: Deps,
  payload: NotificationPayload,
): Promise<void> {
  const { appUrl } = deps;
  await inTransaction(db, async (trx) => {
    switch (payload.kind) {
      case "application_received":
        return notifyAffiliate(trx, deps, {
          affiliateId: payload.affiliateId,
          kind: payload.kind,
          parts: (brandName) => emails.applicationReceived({ brandName, appUrl }),
        });
      case "application_decided": {
        const row = await trx
          .selectFrom("affiliates")
          .select("status")
          .where("id", "=", payload.affiliateId)
          .executeTakeFirst();
        if (!row || (row.status !== "approved" && row.status !== "rejected")) return;
        return notifyAffiliate(trx, deps, {
          affiliateId: payload.affiliateId,
          kind: payload.kind,
          parts: (brandName) =>
            emails.applicationDecided({ brandName, approved: row.status === "approved", appUrl }),
        });
      }
      case "affiliate_pending": {
        const row = await trx
          .selectFrom("affiliates")
          .select(["brand_id", "name", "email", "status"])
          .where("id", "=", payload.affiliateId)
          .executeTakeFirst();
        if (!row || row.status !== "pending") return;
        return notifyBrandOwners(trx, deps, {
          brandId: row.brand_id,
          kind: payload.kind,
          parts: emails.affiliatePending({
            affiliateName: row.name,
            affiliateEmail: row.email,
            appUrl,
          }),
        });
      }
      case "commission_earned":
      case "commission_clawed_back": {
        const clawback = payload.kind === "commission_clawed_back";
        const conversion = await trx
          .selectFrom("conversions")
          .select(["affiliate_id", "commission_amount", "currency"])
          .where("id", "=", payload.conversionId)
          .executeTakeFirst();
        if (!conversion?.affiliate_id) return;
        const clawed = await trx
          .selectFrom("commission_entries")
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), eb.val(0)).as("total"))
          .where("conversion_id", "=", payload.conversionId)
          .where("affiliate_id", "=", conversion.affiliate_id)
          .where("kind", "=", "clawback")
          .executeTakeFirstOrThrow();
        const minor = clawback ? Math.abs(Number(clawed.total)) : conversion.commission_amount;
        if (minor <= 0) return;
        const amount = formatMoney(minor, conversion.currency);
        return notifyAffiliate(trx, deps, {
          affiliateId: conversion.affiliate_id,
          kind: payload.kind,
          parts: (brandName) =>
            clawback
              ? emails.commissionClawedBack({ brandName, amount, appUrl })
              : emails.commissionEarned({ brandName, amount, appUrl }),
        });
      }
      case "webhook_disabled": {
        const ep = await trx
          .selectFrom("webhook_endpoints")
          .select(["brand_id", "url", "disabled_reason", "enabled"])
          .where("id", "=", payload.endpointId)
          .executeTakeFirst();
        if (!ep || ep.enabled) return;
        return notifyBrandOwners(trx, deps, {
          brandId: ep.brand_id,
          kind: payload.kind,
          parts: emails.webhookDisabled({
            url: ep.url,
            reason: ep.disabled_reason ?? "",
            link: `${appUrl}/app/settings/webhooks/${payload.endpointId}`,
          }),
        });
      }
      case "stripe_events_failing": {
        const ev = await trx
          .selectFrom("stripe_events")
          .select(["brand_id", "type", "error", "status"])
          .where("id", "=", payload.eventRowId)
          .executeTakeFirst();
        if (!ev || ev.status !== "failed") return;
        return notifyBrandOwners(trx, deps, {
          brandId: ev.brand_id,
          kind: payload.kind,
          parts: emails.stripeEventsFailing({
            eventType: ev.type,
            error: ev.error ?? "unknown",
            appUrl,
          }),
        });
      }
    }
  });
}
