/**
 * Issue 15: the Stripe-write pattern for codes (reserve -> Stripe outside the transaction ->
 * record; settle job; reconciliation), suspension/rejection and reinstatement, self-service limits
 * and reserved words, and generated codes under concurrency. Real Postgres, the real SDK over HTTP
 * to the emulator.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignCoupon } from "../../app/db/schema";
import { makeTaskList } from "../../jobs/tasks/index";
import {
  createAffiliateCode,
  deleteAffiliateCode,
} from "../../app/services/campaigns/affiliate-codes.server";
import { createVanityCode } from "../../app/services/campaigns/portal-codes.server";
import { settleAffiliateCode } from "../../app/services/campaigns/affiliate-code-stripe.server";
import { setAffiliateStatus } from "../../app/services/affiliates/affiliates.server";
import {
  createCampaignCoupon,
  updateCampaignCoupon,
} from "../../app/services/campaigns/campaign-coupons.server";
import { reconcileBrandStripe } from "../../app/services/stripe-account/stripe-reconcile.server";
import {
  reconcileJobKey,
  settleJobKey,
  STRIPE_RECONCILE_TASK,
  STRIPE_SETTLE_TASK,
} from "../../app/services/stripe-account/stripe-writes.server";
import { BrandBusyError, BrandLimiter } from "../../app/stripe/brand-limiter.server";
import { findReservedWord } from "../../app/domain/reserved-words";
import {
  affiliateJoins,
  brandSetup,
  type BrandSetup,
  type CouponWorld,
  startWorld,
} from "./helpers";

describe("Stripe writes for codes", () => {
  let w: CouponWorld;
  let acme: BrandSetup;
  let coupon: CampaignCoupon;
  let sarah: { affiliateId: string; userId: string };

  const stripe = () => w.sdk(acme.key);
  const row = (id: string) =>
    w.t.db
      .selectFrom("affiliate_coupons")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
  const create = (code?: string, affiliateId = sarah.affiliateId) =>
    createAffiliateCode(
      w.t.db,
      w.deps,
      acme.brandId,
      affiliateId,
      { campaign_coupon_id: coupon.id, code: code ?? null },
      { createdBy: "brand" },
    );

  beforeAll(async () => {
    w = await startWorld();
    acme = await brandSetup(w, { name: "Acme" });
    const created = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
      name: "Launch 20",
      discount: { type: "percent", percent_off: 20 },
      duration: "forever",
    });
    if (!created.ok) throw new Error(created.error.message);
    coupon = created.coupon;
    sarah = await affiliateJoins(w.t.db, acme.campaignId, "Sarah Chen");
  });
  afterAll(async () => {
    await w?.close();
  });

  it("the create carries the row id as Stripe idempotency key: a retried settle replays, never duplicates", async () => {
    const made = await create("IDEM-1");
    if (!made.ok) throw new Error(made.error.message);
    expect(made.code.stripe_status).toBe("synced");
    // Forget the answer, as if the process had died after Stripe created the code.
    await w.t.db
      .updateTable("affiliate_coupons")
      .set({ stripe_promotion_code_id: null, stripe_status: "pending_stripe" })
      .where("id", "=", made.code.id)
      .execute();
    const settled = await settleAffiliateCode(w.t.db, w.deps, made.code.id, {
      onRefusedCreate: "mark",
    });
    expect(settled).toMatchObject({
      state: "synced",
      code: { stripe_promotion_code_id: made.code.stripe_promotion_code_id },
    });
    expect((await stripe().promotionCodes.list({ code: "IDEM-1" })).data).toHaveLength(1);
  });

  it("reconciliation deactivates a tagged promotion code without a live row, and adopts one whose answer was lost", async () => {
    const live = await create("ADOPT-1");
    const gone = await create("ORPHAN-1");
    if (!live.ok || !gone.ok) throw new Error("setup");
    // Lost answer: the live row never learnt its promotion code.
    await w.t.db
      .updateTable("affiliate_coupons")
      .set({ stripe_promotion_code_id: null, stripe_status: "pending_stripe" })
      .where("id", "=", live.code.id)
      .execute();
    // An orphan: a row deleted behind Stripe's back (the old rollback-after-Stripe bug).
    await w.t.db.deleteFrom("affiliate_coupons").where("id", "=", gone.code.id).execute();
    // Another brand's code in the same Stripe account is not ours to judge.
    const twin = await brandSetup(w, { name: "Twin", key: acme.key });
    const twinCoupon = await createCampaignCoupon(w.t.db, w.deps, twin.brandId, twin.campaignId, {
      name: "Twin 10",
      discount: { type: "percent", percent_off: 10 },
      duration: "once",
    });
    if (!twinCoupon.ok) throw new Error("setup");
    const twinAff = await affiliateJoins(w.t.db, twin.campaignId, "Tom Twin");
    const twinCode = await createAffiliateCode(
      w.t.db,
      w.deps,
      twin.brandId,
      twinAff.affiliateId,
      { campaign_coupon_id: twinCoupon.coupon.id, code: "TWIN-1" },
      { createdBy: "brand" },
    );
    if (!twinCode.ok) throw new Error("setup");

    const result = await reconcileBrandStripe(w.t.db, w.deps, acme.brandId);
    expect(result).toEqual({ deactivated: 1, adopted: 1, pending: 0 });
    expect(
      (await stripe().promotionCodes.retrieve(gone.code.stripe_promotion_code_id!)).active,
    ).toBe(false);
    expect(await row(live.code.id)).toMatchObject({
      stripe_promotion_code_id: live.code.stripe_promotion_code_id,
      stripe_status: "synced",
    });
    expect(
      (await stripe().promotionCodes.retrieve(twinCode.code.stripe_promotion_code_id!)).active,
    ).toBe(true);
    // Idempotent.
    expect(await reconcileBrandStripe(w.t.db, w.deps, acme.brandId)).toEqual({
      deactivated: 0,
      adopted: 0,
      pending: 0,
    });
  });

  it("reconciliation deletes the brand's stray webhook endpoints (a connect whose answer was lost), never the live one", async () => {
    const stray = await stripe().webhookEndpoints.create({
      url: "https://rekomi.example/webhooks/stripe/stray",
      enabled_events: ["invoice.paid"],
      metadata: { rekomi_brand_id: acme.brandId },
    });
    const foreign = await stripe().webhookEndpoints.create({
      url: "https://elsewhere.example/hook",
      enabled_events: ["invoice.paid"],
    });
    expect(await reconcileBrandStripe(w.t.db, w.deps, acme.brandId)).toEqual({
      deactivated: 1,
      adopted: 0,
      pending: 0,
    });
    const left = (await stripe().webhookEndpoints.list({ limit: 100 })).data.map((e) => e.id);
    expect(left).not.toContain(stray.id);
    expect(left).toContain(foreign.id);
    const own = await w.t.db
      .selectFrom("stripe_connections")
      .select("webhook_endpoint_id")
      .where("brand_id", "=", acme.brandId)
      .executeTakeFirstOrThrow();
    expect(left).toContain(own.webhook_endpoint_id);
  });

  it("deleting while Stripe is unreachable leaves a pending row and a settle job; the job deactivates it once Stripe is back", async () => {
    const made = await create("DOWN-1");
    if (!made.ok) throw new Error("setup");
    const offline = { config: { ...w.deps.config, stripeApiBase: "http://127.0.0.1:9" } };
    const del = await deleteAffiliateCode(w.t.db, offline, acme.brandId, made.code.id);
    expect(del).toMatchObject({ ok: true, code: { stripe_status: "pending_stripe" } });
    if (del.ok) expect(del.stripeWarning).toMatch(/removing it from Stripe…/);
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from graphile_worker.jobs
      where task_identifier = ${STRIPE_SETTLE_TASK}
        and key = ${settleJobKey({ kind: "affiliate_coupon", id: made.code.id })}`.execute(w.t.db);
    expect(Number(rows[0].n)).toBe(1);
    // ... and the brand's reconciliation is scheduled (a minute out, in the brand's Stripe queue).
    const { rows: rec } = await sql<{ queue_name: string; later: boolean }>`
      select queue_name, run_at > now() + interval '30 seconds' as later from graphile_worker.jobs
      where task_identifier = ${STRIPE_RECONCILE_TASK} and key = ${reconcileJobKey(acme.brandId)}`.execute(
      w.t.db,
    );
    expect(rec).toEqual([{ queue_name: `stripe:${acme.brandId}`, later: true }]);
    // Still down: the job throws so graphile-worker retries it.
    const tasks = makeTaskList({ db: w.t.db, config: offline.config as typeof w.deps.config });
    const helpers = { logger: { error: () => {} } } as never;
    await expect(
      tasks[STRIPE_SETTLE_TASK]!({ kind: "affiliate_coupon", id: made.code.id }, helpers),
    ).rejects.toThrow(/Could not reach Stripe/);
    expect(
      (await stripe().promotionCodes.retrieve(made.code.stripe_promotion_code_id!)).active,
    ).toBe(true);
    // Back up: the job confirms.
    const live = makeTaskList({ db: w.t.db, config: w.deps.config });
    await live[STRIPE_SETTLE_TASK]!({ kind: "affiliate_coupon", id: made.code.id }, helpers);
    expect(
      (await stripe().promotionCodes.retrieve(made.code.stripe_promotion_code_id!)).active,
    ).toBe(false);
    expect(await row(made.code.id)).toMatchObject({
      stripe_status: "synced",
      stripe_sync_error: null,
    });
  });

  it("suspension and rejection deactivate the affiliate's codes in Stripe; approving again reactivates exactly those", async () => {
    const marco = await affiliateJoins(w.t.db, acme.campaignId, "Marco Rossi");
    const a = await create("MARCO-A", marco.affiliateId);
    const b = await create("MARCO-B", marco.affiliateId);
    if (!a.ok || !b.ok) throw new Error("setup");
    // B was deactivated by the brand before: it must stay off after reinstatement.
    await deleteAffiliateCode(w.t.db, w.deps, acme.brandId, b.code.id);
    const tasks = makeTaskList({ db: w.t.db, config: w.deps.config });
    const helpers = { logger: { error: () => {} } } as never;
    const runSettle = (id: string) =>
      tasks[STRIPE_SETTLE_TASK]!({ kind: "affiliate_coupon", id }, helpers);

    const suspended = await setAffiliateStatus(
      w.t.db,
      acme.brandId,
      marco.affiliateId,
      "suspended",
    );
    expect(suspended.ok).toBe(true);
    expect(await row(a.code.id)).toMatchObject({
      active: false,
      inactive_reason: "affiliate_suspended",
      stripe_status: "pending_stripe",
    });
    await runSettle(a.code.id);
    expect((await stripe().promotionCodes.retrieve(a.code.stripe_promotion_code_id!)).active).toBe(
      false,
    );
    // A checkout with the suspended affiliate's code is refused by Stripe.
    await expect(
      w.emu.checkout({
        api_key: acme.key,
        amount: 10_000,
        currency: "usd",
        promotion_code: "MARCO-A",
      }),
    ).rejects.toThrow(/inactive|not valid|No such|promotion code/i);

    await setAffiliateStatus(w.t.db, acme.brandId, marco.affiliateId, "approved");
    expect(await row(a.code.id)).toMatchObject({ active: true, inactive_reason: null });
    await runSettle(a.code.id);
    expect((await stripe().promotionCodes.retrieve(a.code.stripe_promotion_code_id!)).active).toBe(
      true,
    );
    expect((await row(b.code.id)).active).toBe(false);
    expect((await stripe().promotionCodes.retrieve(b.code.stripe_promotion_code_id!)).active).toBe(
      false,
    );

    // Rejection (of a pending applicant who was given a code) works the same way.
    const lena = await affiliateJoins(w.t.db, acme.campaignId, "Lena Pending");
    await w.t.db
      .updateTable("affiliates")
      .set({ status: "pending" })
      .where("id", "=", lena.affiliateId)
      .execute();
    const c = await create("LENA-1", lena.affiliateId);
    if (!c.ok) throw new Error("setup");
    expect((await setAffiliateStatus(w.t.db, acme.brandId, lena.affiliateId, "rejected")).ok).toBe(
      true,
    );
    expect(await row(c.code.id)).toMatchObject({
      active: false,
      inactive_reason: "affiliate_rejected",
    });
    await runSettle(c.code.id);
    expect((await stripe().promotionCodes.retrieve(c.code.stripe_promotion_code_id!)).active).toBe(
      false,
    );
  });

  it("20 concurrent generated codes for one affiliate never collide", async () => {
    const priya = await affiliateJoins(w.t.db, acme.campaignId, "Priya Patel");
    const results = await Promise.all(
      Array.from({ length: 20 }, () => create(undefined, priya.affiliateId)),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const codes = results.map((r) => (r.ok ? r.code.code : ""));
    expect(new Set(codes).size).toBe(20);
    expect(codes).toContain("PRIYA20");
    expect(codes).toContain("PRIYA20-20");
  });

  describe("self-service", () => {
    let zoe: { affiliateId: string; userId: string };
    beforeAll(async () => {
      await updateCampaignCoupon(w.t.db, w.deps, acme.brandId, coupon.id, {
        allow_affiliate_self_service: true,
        max_codes_per_affiliate: 2,
      });
      zoe = await affiliateJoins(w.t.db, acme.campaignId, "Zoe Quinn");
    });
    const vanity = (code: string) =>
      createVanityCode(w.t.db, w.deps, zoe.userId, acme.campaignId, {
        campaign_coupon_id: coupon.id,
        code,
      });

    it.each([
      ["ACME50", "ACME", /the brand's name/],
      ["LAUNCH-FREE", "LAUNCH", /a coupon's name/],
      ["MARCO-DEAL", "MARCO", /another affiliate's name/],
      ["X-PRIYA20-X", "PRIYA20", /another affiliate's code/],
    ])(
      "%s contains a reserved word -> refused with a clear message",
      async (code, word, source) => {
        const r = await vanity(code);
        expect(r).toMatchObject({ ok: false, error: { type: "invalid_request", param: "code" } });
        if (!r.ok) {
          expect(r.error.message).toContain(`Codes cannot contain ${word}`);
          expect(r.error.message).toMatch(source);
        }
      },
    );

    it("own name is fine; max_codes_per_affiliate (here 2) caps self-service codes per coupon", async () => {
      expect(await vanity("ZOE-VIP")).toMatchObject({ ok: true });
      expect(await vanity("ZOE-PODCAST")).toMatchObject({ ok: true });
      const third = await vanity("ZOE-THREE");
      expect(third).toMatchObject({ ok: false, error: { type: "invalid_request", param: "code" } });
      if (!third.ok) expect(third.error.message).toMatch(/already have 2 codes on this coupon/);
      // The brand is not capped.
      expect(await create("ZOE-BRAND", zoe.affiliateId)).toMatchObject({ ok: true });
    });

    it("a new coupon defaults to 5 self-service codes per affiliate", async () => {
      const c = await createCampaignCoupon(w.t.db, w.deps, acme.brandId, acme.campaignId, {
        name: "Default cap",
        discount: { type: "percent", percent_off: 5 },
        duration: "once",
      });
      expect(c).toMatchObject({ ok: true, coupon: { max_codes_per_affiliate: 5 } });
    });
  });
});

describe("pure parts", () => {
  it("reserved words: whole names and their words, not the affiliate's own, case and dashes ignored", () => {
    const s = {
      brandName: "Acme Analytics",
      couponNames: ["Black Friday"],
      otherAffiliateNames: ["Marco Rossi"],
      otherAffiliateCodes: ["MARCO20"],
      ownName: "Sarah Chen",
    };
    expect(findReservedWord("SARAH-CHEN-10", s)).toBeNull();
    expect(findReservedWord("acme-analytics", s)).toMatchObject({ word: "ACMEANALYTICS" });
    expect(findReservedWord("BLACK-FRIDAY", s)).toMatchObject({
      word: "BLACKFRIDAY",
      source: "coupon",
    });
    expect(findReservedWord("MARCO20", s)).toMatchObject({ word: "MARCO20", source: "code" });
    expect(findReservedWord("FREE100", s)).toBeNull();
  });

  it("the per-brand limiter holds at most N calls and refuses past the queue", async () => {
    const limiter = new BrandLimiter(2, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls = [1, 2, 3].map(() => limiter.run("b1", () => gate));
    expect(limiter.load("b1")).toEqual({ active: 2, waiting: 1 });
    await expect(limiter.run("b1", () => gate)).rejects.toBeInstanceOf(BrandBusyError);
    // Another brand is not affected.
    await expect(limiter.run("b2", async () => "ok")).resolves.toBe("ok");
    await expect(
      limiter.run("b1", () => gate, { maxWaitMs: 1 }).catch((e: unknown) => e),
    ).resolves.toBeInstanceOf(BrandBusyError);
    release();
    await Promise.all(calls);
    expect(limiter.load("b1")).toEqual({ active: 0, waiting: 0 });
  });
});
