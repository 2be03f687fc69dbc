/** The Settings -> Stripe page's list of a brand's received events (read-only). */
import type { DB } from "~/db/db.server";
import type { StripeEventStatus } from "~/db/schema";

export interface StripeEventListItem {
  id: string;
  stripe_event_id: string;
  type: string;
  livemode: boolean;
  status: StripeEventStatus;
  error: string | null;
  attempts: number;
  received_at: Date;
  processed_at: Date | null;
}

/** The brand's most recent events, newest first. */
export async function listStripeEvents(
  db: DB,
  brandId: string,
  opts: { limit?: number } = {},
): Promise<StripeEventListItem[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  return db
    .selectFrom("stripe_events")
    .select([
      "id",
      "stripe_event_id",
      "type",
      "livemode",
      "status",
      "error",
      "attempts",
      "received_at",
      "processed_at",
    ])
    .where("brand_id", "=", brandId)
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}
