import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignCoupon } from "../../app/db/schema";
import {
  createAffiliateCode,
  handlePromotionCodeUpdated,
} from "../../app/services/campaigns/affiliate-codes.server";
import { listAffiliateCodes } from "../../app/services/campaigns/affiliate-code-reads.server";
import {
  createCampaignCoupon,
  handleCouponDeleted,
} from "../../app/services/campaigns/campaign-coupons.server";
import { listCampaignCoupons } from "../../app/services/campaigns/campaign-coupon-reads.server";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { startIntakeServer, type IntakeServer, waitFor } from "../stripe/helpers";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  type CouponWorld,
  startWorld,
} from "./helpers";

/**
 * Stripe -> Rekomi sync, end to end: the emulator sends signed webhooks to the real intake route,
 * the stored events are processed by `processStripeEvent` with the registered handlers.
 */
describe("promotion_code.updated and coupon.deleted sync", () => {
  let w: CouponWorld;
  let intake: IntakeServer;
  let acme: BrandSetup;
  let coupon: CampaignCoupon;
  let sarahId: string;

  beforeAll(async () => {
    w = await startWorld({ deliver: true });
    intake = await startIntakeServer(w.ctx);
    w.ctx.config.appUrl = intake.url; // the webhook endpoint points at the intake server
    acme = await brandSetup(w, { name: "Acme" });
    const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Sync 20",
      discount: { type: "percent", percent_off: 20 },
      duration: "once",
    });
    if (!created.ok) throw new Error(created.error.message);
    coupon = created.coupon;
    sarahId = (await affiliateJoins(w.t.db, acme.campaignId, "Sarah Sync")).affiliateId;
  });
  afterAll(async () => {
    await intake?.close();
    await w?.close();
  });

  /** Wait until the emulator delivered `type` for `objectId`, then process every pending event. */
  async function deliverAndProcess(type: string, objectId: string): Promise<void> {
    await waitFor(async () => {
      const rows = await w.t.db
        .selectFrom("stripe_events")
        .select(["id", "payload"])
        .where("brand_id", "=", acme.brandId)
        .where("type", "=", type)
        .execute();
      return rows.some(
        (r) => (r.payload as { data: { object: { id: string } } }).data.object.id === objectId,
      );
    });
    const pending = await w.t.db
      .selectFrom("stripe_events")
      .select("id")
      .where("status", "=", "pending")
      .execute();
    for (const row of pending) await processStripeEvent(w.t.db, w.deps, row.id);
  }

  async function newCode(code: string) {
    const result = await createAffiliateCode(
      w.t.db,
      w.deps,
      acme.brandId,
      sarahId,
      { campaign_coupon_id: coupon.id, code },
      { createdBy: "brand" },
    );
    if (!result.ok) throw new Error(result.error.message);
    return result.code;
  }

  it("a code deactivated in the Stripe dashboard becomes inactive ('deactivated_in_stripe')", async () => {
    const code = await newCode("DASH-OFF");
    await w.sdk(acme.key).promotionCodes.update(code.stripe_promotion_code_id!, { active: false });
    await deliverAndProcess("promotion_code.updated", code.stripe_promotion_code_id!);
    const [row] = (await listAffiliateCodes(w.t.db, acme.brandId, sarahId)).filter(
      (c) => c.id === code.id,
    );
    expect(row).toMatchObject({ active: false, inactive_reason: "deactivated_in_stripe" });
    const status = await w.t.db
      .selectFrom("stripe_events")
      .select("status")
      .where("brand_id", "=", acme.brandId)
      .where("type", "=", "promotion_code.updated")
      .execute();
    expect(status.every((s) => s.status === "processed")).toBe(true);
  });

  it("the coupon deleted in Stripe: the campaign coupon and its codes become inactive ('deleted_in_stripe')", async () => {
    const code = await newCode("DOOMED-1");
    await w.sdk(acme.key).coupons.del(coupon.stripe_coupon_id!);
    await deliverAndProcess("coupon.deleted", coupon.stripe_coupon_id!);
    const [c] = await listCampaignCoupons(w.t.db, acme.brandId, acme.campaignId);
    expect(c).toMatchObject({
      id: coupon.id,
      active: false,
      inactive_reason: "deleted_in_stripe",
      deleted_at: null,
    });
    const [row] = (await listAffiliateCodes(w.t.db, acme.brandId, sarahId)).filter(
      (x) => x.id === code.id,
    );
    expect(row).toMatchObject({ active: false, inactive_reason: "deleted_in_stripe" });
    // New codes on it are refused.
    const refused = await createAffiliateCode(
      w.t.db,
      w.deps,
      acme.brandId,
      sarahId,
      { campaign_coupon_id: coupon.id },
      { createdBy: "brand" },
    );
    expect(refused).toMatchObject({
      ok: false,
      error: { type: "invalid_request", param: "campaign_coupon_id" },
    });
  });

  it("handlers resolve by metadata when the stored id is missing, stay scoped to the brand, and are idempotent", async () => {
    const other = await brandSetup(w, { name: "Other" });
    const c2 = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Meta",
      discount: { type: "percent", percent_off: 5 },
      duration: "once",
    });
    if (!c2.ok) throw new Error("setup");
    const code = await createAffiliateCode(
      w.t.db,
      w.deps,
      acme.brandId,
      sarahId,
      { campaign_coupon_id: c2.coupon.id, code: "META-1" },
      { createdBy: "brand" },
    );
    if (!code.ok) throw new Error("setup");
    const fake = {
      id: "promo_unknown",
      active: false,
      metadata: { rekomi_affiliate_coupon_id: code.code.id },
    };
    // Another brand's event cannot touch Acme's code.
    expect(await handlePromotionCodeUpdated(w.t.db, other.brandId, fake)).toBe("unknown");
    // The stored promotion id differs, so metadata alone does not match a code bound to another promo.
    expect(await handlePromotionCodeUpdated(w.t.db, acme.brandId, fake)).toBe("unknown");
    await w.t.db
      .updateTable("affiliate_coupons")
      .set({ stripe_promotion_code_id: null })
      .where("id", "=", code.code.id)
      .execute();
    expect(await handlePromotionCodeUpdated(w.t.db, acme.brandId, { ...fake, active: true })).toBe(
      "unchanged",
    );
    expect(await handlePromotionCodeUpdated(w.t.db, acme.brandId, fake)).toBe("updated");
    expect(await handlePromotionCodeUpdated(w.t.db, acme.brandId, fake)).toBe("unchanged");

    const deleted = { id: "coupon_unknown", metadata: { rekomi_campaign_coupon_id: c2.coupon.id } };
    expect(await handleCouponDeleted(w.t.db, other.brandId, deleted)).toBe("unknown");
    expect(await handleCouponDeleted(w.t.db, acme.brandId, deleted)).toBe("updated");
  });
});
