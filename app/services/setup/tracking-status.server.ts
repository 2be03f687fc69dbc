/**
 * "Test your setup": the newest referral click and the newest Stripe webhook event Rekomi has
 * received for the brand, so a brand can see its install working (both read through the
 * `(brand_id, created_at)` / `(brand_id, received_at desc)` indexes).
 */
import type { DB } from "~/db/db.server";
import type { StripeEventStatus } from "~/db/schema";

export interface TrackingStatus {
  lastClick: { at: Date; affiliateName: string; campaignName: string } | null;
  lastStripeEvent: { at: Date; type: string; status: StripeEventStatus } | null;
  /** The longest cookie window among the brand's campaigns (the snippet's `data-cookie-days`). */
  cookieDays: number;
}

export async function trackingStatus(db: DB, brandId: string): Promise<TrackingStatus> {
  const [click, event, window] = await Promise.all([
    db
      .selectFrom("clicks")
      .innerJoin("affiliates", "affiliates.id", "clicks.affiliate_id")
      .innerJoin("campaigns", "campaigns.id", "clicks.campaign_id")
      .select(["clicks.created_at", "affiliates.name as affiliate", "campaigns.name as campaign"])
      .where("clicks.brand_id", "=", brandId)
      .orderBy("clicks.created_at", "desc")
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom("stripe_events")
      .select(["received_at", "type", "status"])
      .where("brand_id", "=", brandId)
      .orderBy("received_at", "desc")
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom("campaigns")
      .select((eb) => eb.fn.max("cookie_window_days").as("days"))
      .where("brand_id", "=", brandId)
      .executeTakeFirst(),
  ]);
  return {
    lastClick: click
      ? { at: click.created_at, affiliateName: click.affiliate, campaignName: click.campaign }
      : null,
    lastStripeEvent: event
      ? { at: event.received_at, type: event.type, status: event.status }
      : null,
    cookieDays: Number(window?.days ?? 30) || 30,
  };
}

/** Whether any click or Stripe event has arrived (the dashboard checklist's last step), in one query. */
export async function hasTrackingSignal(db: DB, brandId: string): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .or([
          eb.exists(eb.selectFrom("clicks").select("id").where("brand_id", "=", brandId)),
          eb.exists(eb.selectFrom("stripe_events").select("id").where("brand_id", "=", brandId)),
        ])
        .as("seen"),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(row.seen);
}
