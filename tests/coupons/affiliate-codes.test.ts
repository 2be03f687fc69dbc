import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignCoupon } from "../../app/db/schema";
import { affiliateCouponJson } from "../../app/api/serializers/coupons.server";
import {
  createAffiliateCode,
  deactivateAffiliateCode,
  deleteAffiliateCode,
} from "../../app/services/campaigns/affiliate-codes.server";
import { createVanityCode } from "../../app/services/campaigns/portal-codes.server";
import { listAffiliateCodes } from "../../app/services/campaigns/affiliate-code-reads.server";
import {
  createCampaignCoupon,
  updateCampaignCoupon,
} from "../../app/services/campaigns/campaign-coupons.server";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import { reconcileBrandStripe } from "../../app/services/stripe-account/stripe-reconcile.server";
import { testConfig } from "../helpers/context";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  type CouponWorld,
  expireTrial,
  inFuture,
  startWorld,
} from "./helpers";

describe("affiliate codes (service, through the emulator)", () => {
  let w: CouponWorld;
  let acme: BrandSetup;
  let coupon: CampaignCoupon;
  let sarah: { affiliateId: string; userId: string };

  const countCodes = async () =>
    Number(
      (
        await w.t.db
          .selectFrom("affiliate_coupons")
          .select((e) => e.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    w = await startWorld();
    acme = await brandSetup(w, { name: "Acme" });
    const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Partner 20",
      discount: { type: "percent", percent_off: 20 },
      duration: "once",
      max_redemptions: 100,
      redeem_by: inFuture(90).toISOString(),
    });
    if (!created.ok) throw new Error(created.error.message);
    coupon = created.coupon;
    sarah = await affiliateJoins(w.t.db, acme.campaignId, "Sarah Chen");
  });
  afterAll(async () => {
    await w?.close();
  });

  const create = (
    input: { campaign_coupon_id?: string; code?: string | null; commission_rate_percent?: number },
    affiliateId = sarah.affiliateId,
    brandId = acme.brandId,
  ) =>
    createAffiliateCode(
      w.t.db,
      w.deps,
      brandId,
      affiliateId,
      { campaign_coupon_id: coupon.id, ...input },
      { createdBy: "brand" },
    );

  it("generates SARAH20 and creates the Stripe promotion code pointing at the coupon, with inherited limits and metadata", async () => {
    const result = await create({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const row = result.code;
    expect(row).toMatchObject({
      code: "SARAH20",
      max_redemptions: 100,
      created_by: "brand",
      active: true,
      redemption_count: 0,
    });
    const promo = await w.sdk(acme.key).promotionCodes.retrieve(row.stripe_promotion_code_id!);
    expect(promo.code).toBe("SARAH20");
    expect(promo.promotion).toEqual({ type: "coupon", coupon: coupon.stripe_coupon_id });
    expect(promo.max_redemptions).toBe(100);
    expect(promo.expires_at).toBe(Math.floor(coupon.redeem_by!.getTime() / 1000));
    expect(promo.metadata?.rekomi_affiliate_coupon_id).toBe(row.id);
    expect(promo.active).toBe(true);
    expect(affiliateCouponJson(row)).toEqual({
      id: row.id,
      affiliate_id: sarah.affiliateId,
      campaign_coupon_id: coupon.id,
      code: "SARAH20",
      stripe_promotion_code_id: promo.id,
      max_redemptions: 100,
      redemption_count: 0,
      active: true,
      created_by: "brand",
      stripe_status: "synced",
      created_at: row.created_at.toISOString(),
    });
  });

  it("resolves collisions: the next generated code is SARAH20-2; one already active elsewhere in Stripe is skipped", async () => {
    const second = await create({});
    expect(second).toMatchObject({ ok: true, code: { code: "SARAH20-2" } });
    // Someone created SARAH20-3 directly in the Stripe account.
    await w.sdk(acme.key).promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.stripe_coupon_id! },
      code: "SARAH20-3",
    });
    const third = await create({});
    expect(third).toMatchObject({ ok: true, code: { code: "SARAH20-4" } });
  });

  it("many codes per affiliate, each with its own counter and optional commission rate", async () => {
    const vip = await create({ code: "sarah-vip", commission_rate_percent: 25.5 });
    expect(vip).toMatchObject({
      ok: true,
      code: { code: "SARAH-VIP", commission_rate_bps: 2550, redemption_count: 0 },
    });
    const codes = await listAffiliateCodes(w.t.db, acme.brandId, sarah.affiliateId);
    expect(codes.map((c) => c.code)).toEqual(
      expect.arrayContaining(["SARAH20", "SARAH20-2", "SARAH20-4", "SARAH-VIP"]),
    );
    expect(codes.every((c) => c.redemption_count === 0)).toBe(true);
  });

  it("lowercase input is normalised (trimmed and upper-cased) in Rekomi and Stripe", async () => {
    const result = await create({ code: "  launch-week " });
    expect(result).toMatchObject({ ok: true, code: { code: "LAUNCH-WEEK" } });
    if (!result.ok) return;
    const promo = await w
      .sdk(acme.key)
      .promotionCodes.retrieve(result.code.stripe_promotion_code_id!);
    expect(promo.code).toBe("LAUNCH-WEEK");
  });

  it("a regex violation is a field error on code, nothing written, Stripe untouched", async () => {
    const before = await countCodes();
    for (const code of ["AB", "HAS SPACE", "x".repeat(33), "ÜBER20", "SALE!"]) {
      const result = await create({ code });
      expect(result).toMatchObject({
        ok: false,
        error: { type: "invalid_request", param: "code" },
      });
    }
    expect(await countCodes()).toBe(before);
    const list = await w.sdk(acme.key).promotionCodes.list({ code: "SALE!" });
    expect(list.data).toHaveLength(0);
  });

  it("a duplicate code within the brand -> conflict on code", async () => {
    const before = await countCodes();
    const marco = await affiliateJoins(w.t.db, acme.campaignId, "Marco Rossi");
    const result = await create({ code: "sarah20" }, marco.affiliateId);
    expect(result).toMatchObject({ ok: false, error: { type: "conflict", param: "code" } });
    expect(await countCodes()).toBe(before);
  });

  it("a code already active elsewhere in the Stripe account -> Stripe's reason on code, no row", async () => {
    await w.sdk(acme.key).promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.stripe_coupon_id! },
      code: "DIRECT10",
    });
    const before = await countCodes();
    const result = await create({ code: "direct10" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ type: "conflict", param: "code" });
      expect(result.error.message).toMatch(/already exists/);
    }
    expect(await countCodes()).toBe(before);
  });

  it("another Rekomi brand connected with the same Stripe account: its active code blocks ours, Stripe's reason shown", async () => {
    const twinKey = `rk_test_twin${Date.now()}`;
    w.emu.alias(twinKey, acme.key);
    const twin = await brandSetup(w, { name: "Twin", key: twinKey });
    const twinCoupon = await createCampaignCoupon(w.t.db, w.deps, twin.brandId, twin.campaignId, {
      name: "Twin 10",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    if (!twinCoupon.ok) throw new Error(twinCoupon.error.message);
    const priya = await affiliateJoins(w.t.db, twin.campaignId, "Priya Patel");
    const before = await countCodes();
    // LAUNCH-WEEK is unique in Twin (Rekomi) but already active in the shared Stripe account.
    const result = await createAffiliateCode(
      w.t.db,
      w.deps,
      twin.brandId,
      priya.affiliateId,
      { campaign_coupon_id: twinCoupon.coupon.id, code: "launch-week" },
      { createdBy: "brand" },
    );
    expect(result).toMatchObject({ ok: false, error: { type: "conflict", param: "code" } });
    if (!result.ok)
      expect(result.error.message).toMatch(
        /An active promotion code with `code: LAUNCH-WEEK` already exists/,
      );
    expect(await countCodes()).toBe(before);
  });

  it("Rekomi allows an underscore but Stripe refuses it: Stripe's reason on code, nothing written", async () => {
    const before = await countCodes();
    const result = await create({ code: "sarah_20" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ type: "invalid_request", param: "code" });
      expect(result.error.message).toMatch(/alphanumeric/);
    }
    expect(await countCodes()).toBe(before);
  });

  it("recording fails after Stripe created the code: the reserved row stays pending_stripe and the reconciliation adopts it", async () => {
    await sql`create or replace function fail_boom() returns trigger language plpgsql as $$
      begin if new.code = 'BOOM1' and new.stripe_promotion_code_id is not null then raise exception 'disk full'; end if; return new; end $$`.execute(
      w.t.db,
    );
    await sql`create trigger fail_boom before update on affiliate_coupons for each row execute function fail_boom()`.execute(
      w.t.db,
    );
    const before = await countCodes();
    try {
      await expect(create({ code: "boom1" })).rejects.toThrow(/disk full/);
    } finally {
      await sql`drop trigger fail_boom on affiliate_coupons`.execute(w.t.db);
    }
    // The reservation stands (the code is live in Rekomi; attribution finds it by metadata).
    expect(await countCodes()).toBe(before + 1);
    const row = await w.t.db
      .selectFrom("affiliate_coupons")
      .selectAll()
      .where("code", "=", "BOOM1")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ stripe_status: "pending_stripe", stripe_promotion_code_id: null });
    const list = await w.sdk(acme.key).promotionCodes.list({ code: "BOOM1" });
    expect(list.data).toHaveLength(1);
    expect(list.data[0].active).toBe(true);
    expect(await reconcileBrandStripe(w.t.db, w.deps, acme.brandId)).toMatchObject({
      adopted: 1,
      deactivated: 0,
      pending: 0,
    });
    const adopted = await w.t.db
      .selectFrom("affiliate_coupons")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(adopted).toMatchObject({
      stripe_status: "synced",
      stripe_promotion_code_id: list.data[0].id,
      active: true,
    });
  });

  it("only for enrolled affiliates, live coupons and the caller's brand", async () => {
    const other = await brandSetup(w, { name: "Elsewhere" });
    // Another brand's affiliate -> not_found.
    expect(await create({}, sarah.affiliateId, other.brandId)).toMatchObject({
      ok: false,
      error: { type: "not_found" },
    });
    // Another brand's coupon -> not_found on campaign_coupon_id.
    const otherAff = await affiliateJoins(w.t.db, other.campaignId, "Olga Other");
    expect(
      await createAffiliateCode(
        w.t.db,
        w.deps,
        other.brandId,
        otherAff.affiliateId,
        { campaign_coupon_id: coupon.id },
        { createdBy: "brand" },
      ),
    ).toMatchObject({ ok: false, error: { type: "not_found", param: "campaign_coupon_id" } });
    // Not enrolled in the coupon's campaign.
    const otherCoupon = await createCampaignCoupon(
      w.t.db,
      w.deps,
      other.brandId,
      other.campaignId,
      {
        name: "Other 5",
        discount: { type: "percent", percent_off: 5 },
        duration: "once",
      },
    );
    if (!otherCoupon.ok) throw new Error("setup");
    const lonely = await w.t.db
      .insertInto("affiliates")
      .values({
        brand_id: other.brandId,
        email: "lonely@aff.test",
        name: "Lonely",
        status: "approved",
        recruit_code: "lonely01",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(
      await createAffiliateCode(
        w.t.db,
        w.deps,
        other.brandId,
        lonely.id,
        { campaign_coupon_id: otherCoupon.coupon.id },
        { createdBy: "brand" },
      ),
    ).toMatchObject({ ok: false, error: { type: "invalid_request", param: "campaign_coupon_id" } });
  });

  it("deactivate and delete turn the Stripe code off; delete frees the code text", async () => {
    const made = await create({ code: "TEMP-1" });
    if (!made.ok) throw new Error("setup");
    const off = await deactivateAffiliateCode(w.t.db, w.deps, acme.brandId, made.code.id);
    expect(off).toMatchObject({
      ok: true,
      stripeWarning: null,
      code: { active: false, inactive_reason: "deactivated" },
    });
    expect(
      (await w.sdk(acme.key).promotionCodes.retrieve(made.code.stripe_promotion_code_id!)).active,
    ).toBe(false);
    // Deactivated codes still hold their text.
    expect(await create({ code: "TEMP-1" })).toMatchObject({
      ok: false,
      error: { type: "conflict" },
    });
    const del = await deleteAffiliateCode(w.t.db, w.deps, acme.brandId, made.code.id);
    expect(del).toMatchObject({ ok: true, code: { inactive_reason: "deleted" } });
    expect(
      (await listAffiliateCodes(w.t.db, acme.brandId, sarah.affiliateId)).map((c) => c.code),
    ).not.toContain("TEMP-1");
    expect(await create({ code: "TEMP-1" })).toMatchObject({ ok: true, code: { code: "TEMP-1" } });
    // Another brand cannot touch it.
    const other = await brandSetup(w, { name: "Thief" });
    expect(
      await deactivateAffiliateCode(w.t.db, w.deps, other.brandId, made.code.id),
    ).toMatchObject({
      ok: false,
      error: { type: "not_found" },
    });
  });

  it("a Stripe failure while deactivating is shown (warning + stored error) but does not block", async () => {
    const made = await create({ code: "FLAKY-1" });
    if (!made.ok) throw new Error("setup");
    const offline = { config: testConfig({ STRIPE_API_BASE: "http://127.0.0.1:9" }) };
    const off = await deactivateAffiliateCode(w.t.db, offline, acme.brandId, made.code.id);
    expect(off.ok).toBe(true);
    if (!off.ok) return;
    expect(off.code.active).toBe(false);
    expect(off.code.stripe_sync_error).toMatch(/Could not reach Stripe/);
    expect(off.stripeWarning).toMatch(
      /FLAKY-1 stopped working in Rekomi; removing it from Stripe… \(Could not reach Stripe.*\) Rekomi keeps retrying until Stripe confirms\./,
    );
    expect(off.code.stripe_status).toBe("pending_stripe");
    // A later attempt (delete) retries Stripe and clears the error.
    const del = await deleteAffiliateCode(w.t.db, w.deps, acme.brandId, made.code.id);
    expect(del).toMatchObject({ ok: true, stripeWarning: null, code: { stripe_sync_error: null } });
    expect(
      (await w.sdk(acme.key).promotionCodes.retrieve(made.code.stripe_promotion_code_id!)).active,
    ).toBe(false);
  });

  describe("self-service vanity codes", () => {
    it("approved + self-service on -> created by the affiliate; off -> refused; existing codes keep working", async () => {
      const priya = await affiliateJoins(w.t.db, acme.campaignId, "Priya Self");
      const off = await createVanityCode(w.t.db, w.deps, priya.userId, acme.campaignId, {
        campaign_coupon_id: coupon.id,
        code: "PRIYA-VIP",
      });
      expect(off).toMatchObject({
        ok: false,
        error: { type: "invalid_request", param: "campaign_coupon_id" },
      });

      await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, coupon.id, {
        allow_affiliate_self_service: true,
      });
      const on = await createVanityCode(w.t.db, w.deps, priya.userId, acme.campaignId, {
        campaign_coupon_id: coupon.id,
        code: "priya-vip",
      });
      expect(on).toMatchObject({
        ok: true,
        code: { code: "PRIYA-VIP", created_by: "affiliate", commission_rate_bps: null },
      });

      await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, coupon.id, {
        allow_affiliate_self_service: false,
      });
      if (on.ok) {
        const promo = await w
          .sdk(acme.key)
          .promotionCodes.retrieve(on.code.stripe_promotion_code_id!);
        expect(promo.active).toBe(true);
        const row = await w.t.db
          .selectFrom("affiliate_coupons")
          .selectAll()
          .where("id", "=", on.code.id)
          .executeTakeFirstOrThrow();
        expect(row.active).toBe(true);
      }
    });

    it("not approved -> refused; not enrolled / unknown campaign -> not_found", async () => {
      await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, coupon.id, {
        allow_affiliate_self_service: true,
      });
      const sam = await affiliateJoins(w.t.db, acme.campaignId, "Sam Suspended");
      await setAffiliateStatus(w.t.db, acme.brandId, sam.affiliateId, "suspended");
      expect(
        await createVanityCode(w.t.db, w.deps, sam.userId, acme.campaignId, {
          campaign_coupon_id: coupon.id,
          code: "SAMS-CODE",
        }),
      ).toMatchObject({ ok: false, error: { type: "invalid_request" } });
      const other = await brandSetup(w, { name: "Foreign" });
      expect(
        await createVanityCode(w.t.db, w.deps, sam.userId, other.campaignId, {
          campaign_coupon_id: coupon.id,
          code: "SAMS-CODE",
        }),
      ).toMatchObject({ ok: false, error: { type: "not_found" } });
      await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, coupon.id, {
        allow_affiliate_self_service: false,
      });
    });
  });

  it("plan gating: after the trial expires on Starter, new codes are refused but existing ones stay active", async () => {
    const lapsed = await brandSetup(w, { name: "Downgraded", plan: "starter" });
    const c = await createCampaignCoupon(w.t.db, w.deps, lapsed.brandId, lapsed.campaignId, {
      name: "Trial coupon",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    if (!c.ok) throw new Error("setup");
    const aff = await affiliateJoins(w.t.db, lapsed.campaignId, "Tina Trial");
    const before = await createAffiliateCode(
      w.t.db,
      w.deps,
      lapsed.brandId,
      aff.affiliateId,
      { campaign_coupon_id: c.coupon.id },
      { createdBy: "brand" },
    );
    expect(before).toMatchObject({ ok: true, code: { code: "TINA10" } });
    await expireTrial(w.t.db, lapsed.brandId);
    const after = await createAffiliateCode(
      w.t.db,
      w.deps,
      lapsed.brandId,
      aff.affiliateId,
      { campaign_coupon_id: c.coupon.id },
      { createdBy: "brand" },
    );
    expect(after).toMatchObject({ ok: false, error: { type: "plan_required" } });
    if (before.ok) {
      const promo = await w
        .sdk(lapsed.key)
        .promotionCodes.retrieve(before.code.stripe_promotion_code_id!);
      expect(promo.active).toBe(true);
    }
  });
});
