import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { campaignCouponJson } from "../../app/api/serializers/coupons.server";
import {
  createCampaignCoupon,
  deleteCampaignCoupon,
  DELETE_STRIPE_COUPON_TASK,
  runDeleteStripeCoupon,
  updateCampaignCoupon,
} from "../../app/services/campaigns/campaign-coupons.server";
import { retryStripeCouponDeletion } from "../../app/services/campaigns/campaign-coupon-deletion.server";
import {
  getCampaignCoupon,
  listCampaignCoupons,
} from "../../app/services/campaigns/campaign-coupon-reads.server";
import { createAffiliateCode } from "../../app/services/campaigns/affiliate-codes.server";
import { makeTaskList } from "../../jobs/tasks/index";
import { testConfig } from "../helpers/context";
import { insertConnection } from "../stripe/helpers";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  type CouponWorld,
  expireTrial,
  inFuture,
  startWorld,
} from "./helpers";

describe("campaign coupons (service, through the emulator)", () => {
  let w: CouponWorld;
  let acme: BrandSetup;

  beforeAll(async () => {
    w = await startWorld();
    acme = await brandSetup(w, { name: "Acme" });
  });
  afterAll(async () => {
    await w?.close();
  });

  const countRows = async () =>
    Number(
      (
        await w.t.db
          .selectFrom("campaign_coupons")
          .select((e) => e.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("percent coupon: Stripe coupon with percent_off, duration and the row id in metadata", async () => {
    const result = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Partner 20",
      discount: { type: "percent", percent_off: 20 },
      duration: "once",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const row = result.coupon;
    expect(row).toMatchObject({
      discount_type: "percent",
      percent_off_bps: 2000,
      amount_off: null,
      duration: "once",
      overrides_click_attribution: true,
      allow_affiliate_self_service: false,
      active: true,
    });
    expect(row.stripe_coupon_id).toBeTruthy();
    const coupon = await w.sdk(acme.key).coupons.retrieve(row.stripe_coupon_id!);
    expect(coupon).toMatchObject({
      percent_off: 20,
      amount_off: null,
      duration: "once",
      duration_in_months: null,
      name: "Partner 20",
      max_redemptions: null,
      redeem_by: null,
    });
    expect(coupon.metadata?.rekomi_campaign_coupon_id).toBe(row.id);
    expect(campaignCouponJson(row)).toEqual({
      id: row.id,
      campaign_id: acme.campaignId,
      name: "Partner 20",
      discount: { type: "percent", percent_off: 20 },
      duration: "once",
      duration_in_months: null,
      max_redemptions: null,
      redeem_by: null,
      overrides_click_attribution: true,
      allow_affiliate_self_service: false,
      max_codes_per_affiliate: 5,
      stripe_coupon_id: row.stripe_coupon_id,
      stripe_status: "synced",
      created_at: row.created_at.toISOString(),
    });
  });

  it("amount coupon: amount_off + currency, forever, max_redemptions and redeem_by", async () => {
    const redeemBy = inFuture(30);
    const result = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Ten off",
      discount: { type: "amount", amount_off: 1000, currency: "USD" },
      duration: "forever",
      max_redemptions: 50,
      redeem_by: redeemBy.toISOString(),
      overrides_click_attribution: false,
      allow_affiliate_self_service: true,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const coupon = await w.sdk(acme.key).coupons.retrieve(result.coupon.stripe_coupon_id!);
    expect(coupon).toMatchObject({
      amount_off: 1000,
      currency: "usd",
      percent_off: null,
      duration: "forever",
      max_redemptions: 50,
      redeem_by: Math.floor(redeemBy.getTime() / 1000),
    });
    expect(coupon.metadata?.rekomi_campaign_coupon_id).toBe(result.coupon.id);
    expect(campaignCouponJson(result.coupon)).toMatchObject({
      discount: { type: "amount", amount_off: 1000, currency: "usd" },
      max_redemptions: 50,
      redeem_by: new Date(Math.floor(redeemBy.getTime())).toISOString(),
      overrides_click_attribution: false,
      allow_affiliate_self_service: true,
    });
  });

  it("repeating coupon: duration_in_months; percent with two decimals", async () => {
    const result = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Quarter",
      discount: { type: "percent", percent_off: 12.25 },
      duration: "repeating",
      duration_in_months: 3,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.coupon.percent_off_bps).toBe(1225);
    const coupon = await w.sdk(acme.key).coupons.retrieve(result.coupon.stripe_coupon_id!);
    expect(coupon).toMatchObject({
      percent_off: 12.25,
      duration: "repeating",
      duration_in_months: 3,
    });
  });

  it("rejects bad input with a param, writing nothing", async () => {
    const before = await countRows();
    const cases = [
      [
        { name: "x", discount: { type: "percent", percent_off: 12.345 }, duration: "once" },
        "discount.percent_off",
      ],
      [
        { name: "x", discount: { type: "percent", percent_off: 120 }, duration: "once" },
        "discount.percent_off",
      ],
      [
        { name: "x", discount: { type: "percent", percent_off: 10 }, duration: "repeating" },
        "duration_in_months",
      ],
      [
        {
          name: "x",
          discount: { type: "percent", percent_off: 10 },
          duration: "once",
          duration_in_months: 2,
        },
        "duration_in_months",
      ],
      [
        {
          name: "x",
          discount: { type: "percent", percent_off: 10 },
          duration: "once",
          redeem_by: new Date(Date.now() - 1000).toISOString(),
        },
        "redeem_by",
      ],
      [
        {
          name: "x",
          discount: { type: "percent", percent_off: 10 },
          duration: "once",
          redeem_by: inFuture(6 * 365).toISOString(),
        },
        "redeem_by",
      ],
      [{ name: "", discount: { type: "percent", percent_off: 10 }, duration: "once" }, "name"],
      [
        { name: "x".repeat(41), discount: { type: "percent", percent_off: 10 }, duration: "once" },
        "name",
      ],
    ] as const;
    for (const [input, param] of cases) {
      const result = await createCampaignCoupon(
        w.t.db,
        w.deps,
        acme.brandId,
        acme.campaignId,
        input as never,
      );
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ type: "invalid_request", param });
    }
    expect(await countRows()).toBe(before);
  });

  it("a Stripe failure rolls back: nothing written, Stripe's reason returned", async () => {
    const broken = await brandSetup(w, { name: "Broken", connect: false });
    // A stored key the emulator refuses (not a Stripe key shape) -> 401 from "Stripe".
    await insertConnection(w.ctx, broken.brandId, {
      webhookSecret: "whsec_x",
      secretKey: "bogus_key_123",
    });
    const before = await countRows();
    const result = await createCampaignCoupon(w.t.db, w.deps, broken.brandId, broken.campaignId, {
      name: "Nope",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.type).toBe("stripe_error");
      expect(result.error.message.length).toBeGreaterThan(5);
    }
    expect(await countRows()).toBe(before);
  });

  it("not connected -> invalid_request with a pointer to Settings", async () => {
    const offline = await brandSetup(w, { name: "Offline", connect: false });
    const result = await createCampaignCoupon(w.t.db, w.deps, offline.brandId, offline.campaignId, {
      name: "x",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    expect(result).toMatchObject({ ok: false, error: { type: "invalid_request" } });
    if (!result.ok) expect(result.error.message).toMatch(/Connect your Stripe account/);
  });

  it("plan gating: an expired trial on Starter -> plan_required, nothing written", async () => {
    const lapsed = await brandSetup(w, { name: "Lapsed", plan: "starter" });
    // Still in the trial: allowed.
    const during = await createCampaignCoupon(w.t.db, w.deps, lapsed.brandId, lapsed.campaignId, {
      name: "Trial",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    expect(during.ok).toBe(true);
    await expireTrial(w.t.db, lapsed.brandId);
    const before = await countRows();
    const after = await createCampaignCoupon(w.t.db, w.deps, lapsed.brandId, lapsed.campaignId, {
      name: "After",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    expect(after).toMatchObject({ ok: false, error: { type: "plan_required" } });
    expect(await countRows()).toBe(before);
  });

  it("another brand's campaign or coupon -> not_found, nothing changes", async () => {
    const other = await brandSetup(w, { name: "Other" });
    const mine = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Mine",
      discount: { type: "percent", percent_off: 15 },
      duration: "once",
    });
    if (!mine.ok) throw new Error("setup");
    const create = await createCampaignCoupon(w.t.db, w.deps, other.brandId, acme.campaignId, {
      name: "Hijack",
      discount: { type: "percent", percent_off: 15 },
      duration: "once",
    });
    expect(create).toMatchObject({ ok: false, error: { type: "not_found" } });
    expect(await getCampaignCoupon(w.t.db, other.brandId, mine.coupon.id)).toBeUndefined();
    expect(
      await updateCampaignCoupon(w.t.db, w.deps, other.brandId, mine.coupon.id, {
        name: "Hijacked",
      }),
    ).toMatchObject({
      ok: false,
      error: { type: "not_found" },
    });
    expect(await deleteCampaignCoupon(w.t.db, other.brandId, mine.coupon.id)).toMatchObject({
      ok: false,
      error: { type: "not_found" },
    });
    expect(await listCampaignCoupons(w.t.db, other.brandId, acme.campaignId)).toEqual([]);
    expect((await getCampaignCoupon(w.t.db, acme.brandId, mine.coupon.id))!.name).toBe("Mine");
  });

  it("name and toggles are editable; the name changes in Stripe too", async () => {
    const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Before",
      discount: { type: "percent", percent_off: 5 },
      duration: "forever",
    });
    if (!created.ok) throw new Error("setup");
    const updated = await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, created.coupon.id, {
      name: "After",
      overrides_click_attribution: false,
      allow_affiliate_self_service: true,
    });
    expect(updated).toMatchObject({
      ok: true,
      coupon: {
        name: "After",
        overrides_click_attribution: false,
        allow_affiliate_self_service: true,
      },
    });
    const coupon = await w.sdk(acme.key).coupons.retrieve(created.coupon.stripe_coupon_id!);
    expect(coupon.name).toBe("After");
    const bad = await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, created.coupon.id, {
      name: "",
    });
    expect(bad).toMatchObject({ ok: false, error: { type: "invalid_request", param: "name" } });
  });

  describe("delete + coupons__delete_stripe_coupon", () => {
    it("soft-deletes, deactivates codes, enqueues the job; the job deletes the Stripe coupon idempotently", async () => {
      const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
        name: "Doomed",
        discount: { type: "percent", percent_off: 30 },
        duration: "once",
      });
      if (!created.ok) throw new Error("setup");
      const sarah = await affiliateJoins(w.t.db, acme.campaignId, "Sarah Doomed");
      const code = await createAffiliateCode(
        w.t.db,
        w.deps,
        acme.brandId,
        sarah.affiliateId,
        { campaign_coupon_id: created.coupon.id },
        { createdBy: "brand" },
      );
      if (!code.ok) throw new Error(code.error.message);

      const deleted = await deleteCampaignCoupon(w.t.db, acme.brandId, created.coupon.id);
      expect(deleted).toMatchObject({
        ok: true,
        coupon: { active: false, inactive_reason: "deleted" },
      });
      const codeRow = await w.t.db
        .selectFrom("affiliate_coupons")
        .selectAll()
        .where("id", "=", code.code.id)
        .executeTakeFirstOrThrow();
      expect(codeRow).toMatchObject({ active: false, inactive_reason: "coupon_deleted" });
      const { rows: jobs } = await sql<{
        task_identifier: string;
        payload: { campaignCouponId: string };
      }>`
        select j.task_identifier, p.payload from graphile_worker.jobs j
        join graphile_worker._private_jobs p on p.id = j.id
        where j.task_identifier = ${DELETE_STRIPE_COUPON_TASK}`.execute(w.t.db);
      expect(jobs.map((j) => j.payload.campaignCouponId)).toContain(created.coupon.id);
      expect(await getCampaignCoupon(w.t.db, acme.brandId, created.coupon.id)).toBeUndefined();
      // Still listed (as "removing from Stripe") until the job confirms.
      const deleting = await listCampaignCoupons(w.t.db, acme.brandId, acme.campaignId, {
        includeDeleting: true,
      });
      expect(deleting.map((c) => c.id)).toContain(created.coupon.id);

      // The job, through the registered task.
      const tasks = makeTaskList({ db: w.t.db, config: w.ctx.config });
      const helpers = { logger: { error() {} } } as never;
      await tasks[DELETE_STRIPE_COUPON_TASK]!({ campaignCouponId: created.coupon.id }, helpers);
      await expect(
        w.sdk(acme.key).coupons.retrieve(created.coupon.stripe_coupon_id!),
      ).rejects.toMatchObject({ statusCode: 404 });
      const promo = await w
        .sdk(acme.key)
        .promotionCodes.retrieve(code.code.stripe_promotion_code_id!);
      expect(promo.active).toBe(false);
      const row = await w.t.db
        .selectFrom("campaign_coupons")
        .selectAll()
        .where("id", "=", created.coupon.id)
        .executeTakeFirstOrThrow();
      expect(row.stripe_deleted_at).toBeInstanceOf(Date);
      expect(row.stripe_sync_error).toBeNull();
      // Idempotent: running again does nothing.
      expect(await runDeleteStripeCoupon(w.t.db, w.deps, created.coupon.id)).toBe("nothing_to_do");
      const after = await listCampaignCoupons(w.t.db, acme.brandId, acme.campaignId, {
        includeDeleting: true,
      });
      expect(after.map((c) => c.id)).not.toContain(created.coupon.id);
    });

    it("a 404 from Stripe counts as done", async () => {
      const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
        name: "Gone already",
        discount: { type: "percent", percent_off: 30 },
        duration: "once",
      });
      if (!created.ok) throw new Error("setup");
      await w.sdk(acme.key).coupons.del(created.coupon.stripe_coupon_id!);
      await deleteCampaignCoupon(w.t.db, acme.brandId, created.coupon.id);
      expect(await runDeleteStripeCoupon(w.t.db, w.deps, created.coupon.id)).toBe("already_gone");
      const row = await w.t.db
        .selectFrom("campaign_coupons")
        .selectAll()
        .where("id", "=", created.coupon.id)
        .executeTakeFirstOrThrow();
      expect(row.stripe_deleted_at).toBeInstanceOf(Date);
    });

    it("a failure is stored on the row (visible), rethrown for a retry, and never blocks the brand", async () => {
      const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
        name: "Unreachable",
        discount: { type: "percent", percent_off: 30 },
        duration: "once",
      });
      if (!created.ok) throw new Error("setup");
      const deleted = await deleteCampaignCoupon(w.t.db, acme.brandId, created.coupon.id);
      expect(deleted.ok).toBe(true);
      // Stripe unreachable (nothing listens on port 9).
      const offline = { config: testConfig({ STRIPE_API_BASE: "http://127.0.0.1:9" }) };
      await expect(runDeleteStripeCoupon(w.t.db, offline, created.coupon.id)).rejects.toThrow();
      const [row] = await listCampaignCoupons(w.t.db, acme.brandId, acme.campaignId, {
        includeDeleting: true,
      }).then((rows) => rows.filter((r) => r.id === created.coupon.id));
      expect(row.stripe_sync_error).toMatch(/Could not reach Stripe/);
      expect(row.stripe_deleted_at).toBeNull();
      // The brand can retry now; a later successful run clears the error.
      expect(await retryStripeCouponDeletion(w.t.db, acme.brandId, created.coupon.id)).toEqual({
        ok: true,
      });
      expect(await runDeleteStripeCoupon(w.t.db, w.deps, created.coupon.id)).toBe("deleted");
      const done = await w.t.db
        .selectFrom("campaign_coupons")
        .selectAll()
        .where("id", "=", created.coupon.id)
        .executeTakeFirstOrThrow();
      expect(done.stripe_sync_error).toBeNull();
      expect(done.stripe_deleted_at).toBeInstanceOf(Date);
    });
  });
});
