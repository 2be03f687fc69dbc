/**
 * Notification emails (pure, browser-safe): the kinds, who gets them, what settings call them.
 * The signed unsubscribe link is in ./unsubscribe.server.ts.
 */
export const NOTIFICATION_KINDS = {
  application_received: { audience: "affiliate", label: "My application was received" },
  application_decided: { audience: "affiliate", label: "My application was approved or rejected" },
  commission_earned: { audience: "affiliate", label: "I earned a new commission" },
  commission_clawed_back: { audience: "affiliate", label: "A commission was clawed back" },
  affiliate_pending: { audience: "brand", label: "A new affiliate is waiting for approval" },
  webhook_disabled: { audience: "brand", label: "A webhook endpoint was disabled" },
  stripe_events_failing: { audience: "brand", label: "Stripe events are failing to process" },
} as const;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;
export type Audience = "affiliate" | "brand";

export function isNotificationKind(value: unknown): value is NotificationKind {
  return typeof value === "string" && Object.hasOwn(NOTIFICATION_KINDS, value);
}

export function kindsFor(audience: Audience): NotificationKind[] {
  return (Object.keys(NOTIFICATION_KINDS) as NotificationKind[]).filter(
    (k) => NOTIFICATION_KINDS[k].audience === audience,
  );
}
