/**
 * The job registry: every graphile-worker task Rekomi runs, in ONE place: its id, the zod schema
 * of its payload, the builder of its job key, and the `GraphileWorker.Tasks` declaration that
 * types them for graphile-worker. Services enqueue with these ids and keys (through `addJob`,
 * app/db/jobs.server.ts); jobs/tasks/* parse payloads with these schemas. It lives in app/db (below
 * services, next to `addJob`) so both services and jobs import it without an upward import
 * (docs/decisions/0009-attribution-engine-shape.md).
 */
import { z } from "zod";

/** Task ids (graphile-worker identifiers). */
export const PROCESS_STRIPE_EVENT_TASK = "stripe__process_event";
export const DELIVER_WEBHOOK_TASK = "webhooks__deliver";
export const DELETE_STRIPE_COUPON_TASK = "coupons__delete_stripe_coupon";
export const SEND_EMAIL_TASK = "email__send";
export const NOTIFY_TASK = "notifications__send";
export const STRIPE_SETTLE_TASK = "stripe__settle";
export const STRIPE_RECONCILE_TASK = "stripe__reconcile";

/** Payload schemas, one per task. */
export const processStripeEventPayload = z.object({ eventRowId: z.uuid() });
export const deliverWebhookPayload = z.object({ deliveryId: z.uuid() });
export const deleteStripeCouponPayload = z.object({ campaignCouponId: z.uuid() });
export const sendEmailPayload = z.object({ outboxId: z.uuid() });
export const notificationPayloadSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.enum(["application_received", "application_decided", "affiliate_pending"]),
    affiliateId: z.uuid(),
  }),
  z.object({
    kind: z.enum(["commission_earned", "commission_clawed_back"]),
    conversionId: z.uuid(),
  }),
  z.object({ kind: z.literal("webhook_disabled"), endpointId: z.uuid() }),
  z.object({ kind: z.literal("stripe_events_failing"), eventRowId: z.uuid() }),
]);
export type NotificationPayload = z.infer<typeof notificationPayloadSchema>;
export const stripeSettlePayload = z.object({
  kind: z.enum(["affiliate_coupon", "campaign_coupon"]),
  id: z.uuid(),
});
export const stripeReconcilePayload = z.object({ brandId: z.uuid() });

/**
 * Job keys (a job with the same key that has not started yet is replaced, not duplicated).
 * `processJobKey` is also what migration 0015's `rekomi_store_stripe_events` is given.
 */
export const processJobKey = (eventRowId: string) => `stripe_event:${eventRowId}`;
export const deliveryJobKey = (deliveryId: string) => `webhook-delivery:${deliveryId}`;
export const deleteCouponJobKey = (campaignCouponId: string) =>
  `coupons:delete_stripe_coupon:${campaignCouponId}`;
export const emailJobKey = (outboxId: string) => `email:${outboxId}`;
/** One notification per kind and subject (an affiliate, a conversion, an endpoint, ...). */
export const notifyJobKey = (kind: NotificationPayload["kind"], subject: string) =>
  `notify:${kind}:${subject}`;
export const settleJobKey = (t: z.infer<typeof stripeSettlePayload>) =>
  `stripe:settle:${t.kind}:${t.id}`;
export const reconcileJobKey = (brandId: string) => `stripe:reconcile:${brandId}`;

declare global {
  // graphile-worker types task payloads through this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace GraphileWorker {
    interface Tasks {
      [PROCESS_STRIPE_EVENT_TASK]: z.infer<typeof processStripeEventPayload>;
      [DELIVER_WEBHOOK_TASK]: z.infer<typeof deliverWebhookPayload>;
      [DELETE_STRIPE_COUPON_TASK]: z.infer<typeof deleteStripeCouponPayload>;
      [SEND_EMAIL_TASK]: z.infer<typeof sendEmailPayload>;
      [NOTIFY_TASK]: NotificationPayload;
      [STRIPE_SETTLE_TASK]: z.infer<typeof stripeSettlePayload>;
      [STRIPE_RECONCILE_TASK]: z.infer<typeof stripeReconcilePayload>;
    }
  }
}
