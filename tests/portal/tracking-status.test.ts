/**
 * "Set up tracking" reads (app/services/setup/tracking-status.server.ts): the newest Stripe event
 * and the checklist's "anything arrived yet?", each scoped to one brand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasTrackingSignal, trackingStatus } from "../../app/services/setup/tracking-status.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { brandWithOwner } from "./fixtures";

describe("tracking status", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("sees nothing for a new brand, then only its own Stripe event", async () => {
    const acme = await brandWithOwner(t.db, "Acme");
    const other = await brandWithOwner(t.db, "Other");
    expect(await hasTrackingSignal(t.db, acme.brandId)).toBe(false);
    expect(await trackingStatus(t.db, acme.brandId)).toEqual({
      lastClick: null,
      lastStripeEvent: null,
      cookieDays: 30,
    });

    await t.db
      .insertInto("stripe_events")
      .values({
        brand_id: acme.brandId,
        stripe_event_id: "evt_setup_1",
        type: "invoice.paid",
        livemode: false,
        payload: JSON.stringify({ id: "evt_setup_1", type: "invoice.paid", data: { object: {} } }),
      })
      .execute();

    expect(await hasTrackingSignal(t.db, acme.brandId)).toBe(true);
    expect(await hasTrackingSignal(t.db, other.brandId)).toBe(false);
    const status = await trackingStatus(t.db, acme.brandId);
    expect(status.lastStripeEvent).toMatchObject({ type: "invoice.paid", status: "pending" });
    expect(status.lastClick).toBeNull();
    expect((await trackingStatus(t.db, other.brandId)).lastStripeEvent).toBeNull();
  });
});
