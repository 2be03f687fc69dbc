import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index.js";
import { connect, newKey, sdk, WebhookReceiver } from "./helpers.js";

let emu: StripeEmulator;

beforeAll(async () => {
  emu = await startStripeEmulator({ port: 0, retry: { maxAttempts: 2, backoffMs: [10] } });
});
afterAll(async () => {
  await emu.close();
});

async function expectStripeError(
  promise: Promise<unknown>,
): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Stripe.errors.StripeError);
    return err as InstanceType<typeof Stripe.errors.StripeError>;
  }
  throw new Error("expected the call to fail");
}

describe("SDK wiring", () => {
  it("pins the SDK's API version", () => {
    expect(Stripe.API_VERSION).toBe("2026-10-28.endive");
  });

  it("rejects a malformed key with StripeAuthenticationError", async () => {
    const err = await expectStripeError(sdk(emu, "pk_test_nope").coupons.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/^Invalid API Key provided: /);
  });

  it("isolates accounts per key and supports aliases", async () => {
    const a = newKey();
    const b = newKey("sk_test_");
    const coupon = await sdk(emu, a).coupons.create({ percent_off: 10, duration: "once" });
    const err = await expectStripeError(sdk(emu, b).coupons.retrieve(coupon.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("resource_missing");
    expect(err.param).toBe("id");
    expect(err.message).toBe(`No such coupon: '${coupon.id}'`);

    emu.alias(b, a);
    expect((await sdk(emu, b).coupons.retrieve(coupon.id)).id).toBe(coupon.id);
  });

  it("live keys create livemode objects", async () => {
    const coupon = await sdk(emu, newKey("rk_live_")).coupons.create({ percent_off: 5 });
    expect(coupon.livemode).toBe(true);
  });
});

describe("coupons", () => {
  const key = newKey();
  const stripe = () => sdk(emu, key);

  it("creates percent, amount and repeating coupons with Stripe's fields", async () => {
    const percent = await stripe().coupons.create({
      percent_off: 20,
      duration: "forever",
      name: "Jane 20%",
      max_redemptions: 50,
      metadata: { rekomi_campaign_coupon_id: "cc_1" },
    });
    expect(percent).toMatchObject({
      object: "coupon",
      percent_off: 20,
      amount_off: null,
      currency: null,
      duration: "forever",
      duration_in_months: null,
      max_redemptions: 50,
      name: "Jane 20%",
      metadata: { rekomi_campaign_coupon_id: "cc_1" },
      times_redeemed: 0,
      valid: true,
      livemode: false,
      redeem_by: null,
    });
    expect(percent.id).toMatch(/^[A-Z0-9]{8}$/);

    const amount = await stripe().coupons.create({ amount_off: 1000, currency: "EUR" });
    expect(amount).toMatchObject({
      amount_off: 1000,
      currency: "eur",
      percent_off: null,
      duration: "once",
    });

    const redeemBy = Math.floor(Date.now() / 1000) + 3600;
    const repeating = await stripe().coupons.create({
      id: "REPEAT3",
      percent_off: 12.5,
      duration: "repeating",
      duration_in_months: 3,
      redeem_by: redeemBy,
    });
    expect(repeating).toMatchObject({
      id: "REPEAT3",
      duration: "repeating",
      duration_in_months: 3,
      percent_off: 12.5,
      redeem_by: redeemBy,
    });
    const again = await expectStripeError(
      stripe().coupons.create({ id: "REPEAT3", percent_off: 1 }),
    );
    expect(again.code).toBe("resource_already_exists");
  });

  it("validates like Stripe", async () => {
    const both = await expectStripeError(
      stripe().coupons.create({ percent_off: 10, amount_off: 100, currency: "usd" }),
    );
    expect(both.statusCode).toBe(400);
    expect(both.type).toBe("StripeInvalidRequestError");

    const tooMuch = await expectStripeError(stripe().coupons.create({ percent_off: 101 }));
    expect(tooMuch.param).toBe("percent_off");

    const noCurrency = await expectStripeError(stripe().coupons.create({ amount_off: 100 }));
    expect(noCurrency.param).toBe("currency");

    const noMonths = await expectStripeError(
      stripe().coupons.create({ percent_off: 10, duration: "repeating" }),
    );
    expect(noMonths.param).toBe("duration_in_months");

    const monthsOnOnce = await expectStripeError(
      stripe().coupons.create({ percent_off: 10, duration: "once", duration_in_months: 2 }),
    );
    expect(monthsOnOnce.param).toBe("duration_in_months");

    const unknown = await expectStripeError(
      stripe().coupons.create({ percent_off: 10, foo: "bar" } as Stripe.CouponCreateParams),
    );
    expect(unknown.code).toBe("parameter_unknown");
    expect(unknown.param).toBe("foo");
    expect(unknown.message).toBe("Received unknown parameter: foo");
  });

  it("updates only name and metadata, lists and deletes", async () => {
    const coupon = await stripe().coupons.create({ percent_off: 15, metadata: { a: "1", b: "2" } });
    const updated = await stripe().coupons.update(coupon.id, {
      name: "Renamed",
      metadata: { a: "", c: "3" },
    });
    expect(updated.name).toBe("Renamed");
    expect(updated.metadata).toEqual({ b: "2", c: "3" });

    const bad = await expectStripeError(
      stripe().coupons.update(coupon.id, { percent_off: 20 } as Stripe.CouponUpdateParams),
    );
    expect(bad.code).toBe("parameter_unknown");
    expect(bad.param).toBe("percent_off");

    const list = await stripe().coupons.list({ limit: 100 });
    expect(list.object).toBe("list");
    expect(list.data.map((c) => c.id)).toContain(coupon.id);
    expect(list.data[0].id).toBe(coupon.id); // newest first

    const deleted = await stripe().coupons.del(coupon.id);
    expect(deleted).toEqual({ id: coupon.id, object: "coupon", deleted: true });
    const gone = await expectStripeError(stripe().coupons.retrieve(coupon.id));
    expect(gone.statusCode).toBe(404);
  });

  it("auto-paginates lists", async () => {
    const s = sdk(emu, newKey());
    for (let i = 0; i < 7; i++) await s.coupons.create({ percent_off: i + 1 });
    const seen: string[] = [];
    for await (const c of s.coupons.list({ limit: 3 })) seen.push(c.id);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });
});

describe("promotion codes", () => {
  const key = newKey();
  const stripe = () => sdk(emu, key);
  let couponId = "";

  beforeAll(async () => {
    couponId = (await stripe().coupons.create({ percent_off: 20, duration: "forever" })).id;
  });

  it("creates with promotion.coupon and metadata", async () => {
    const promo = await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
      code: "JANE20",
      metadata: { rekomi_affiliate_coupon_id: "ac_1" },
      max_redemptions: 5,
    });
    expect(promo.id).toMatch(/^promo_/);
    expect(promo).toMatchObject({
      object: "promotion_code",
      code: "JANE20",
      active: true,
      promotion: { type: "coupon", coupon: couponId },
      metadata: { rekomi_affiliate_coupon_id: "ac_1" },
      max_redemptions: 5,
      times_redeemed: 0,
      expires_at: null,
      customer: null,
      restrictions: { first_time_transaction: false, minimum_amount: null },
    });
    const expanded = await stripe().promotionCodes.retrieve(promo.id, {
      expand: ["promotion.coupon"],
    });
    expect((expanded.promotion.coupon as Stripe.Coupon).percent_off).toBe(20);
  });

  it("generates a code when none is given", async () => {
    const promo = await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
    });
    expect(promo.code).toMatch(/^[A-Z0-9]+$/);
  });

  it("rejects the removed top-level coupon param with parameter_unknown", async () => {
    const err = await expectStripeError(
      stripe().promotionCodes.create({
        coupon: couponId,
        code: "OLDSTYLE",
      } as unknown as Stripe.PromotionCodeCreateParams),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.code).toBe("parameter_unknown");
    expect(err.param).toBe("coupon");
  });

  it("rejects a duplicate active code case-insensitively with Stripe's error", async () => {
    await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
      code: "Summer-Sale",
    });
    const err = await expectStripeError(
      stripe().promotionCodes.create({
        promotion: { type: "coupon", coupon: couponId },
        code: "SUMMER-SALE",
      }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
    expect(err.rawType).toBe("invalid_request_error");
    expect(err.message).toBe("An active promotion code with `code: SUMMER-SALE` already exists.");
    expect(err.param).toBe("code");
  });

  it("rejects characters outside a-z A-Z 0-9 and -", async () => {
    const err = await expectStripeError(
      stripe().promotionCodes.create({
        promotion: { type: "coupon", coupon: couponId },
        code: "JANE_20",
      }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe("code");
  });

  it("allows reusing a code after deactivation, and blocks reactivating the old one", async () => {
    const first = await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
      code: "REUSE",
    });
    const off = await stripe().promotionCodes.update(first.id, { active: false });
    expect(off.active).toBe(false);
    const second = await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
      code: "reuse",
    });
    expect(second.active).toBe(true);
    const err = await expectStripeError(stripe().promotionCodes.update(first.id, { active: true }));
    expect(err.param).toBe("code");

    const listed = await stripe().promotionCodes.list({ code: "REUSE" });
    expect(listed.data.map((p) => p.id).sort()).toEqual([first.id, second.id].sort());
    const active = await stripe().promotionCodes.list({ code: "reuse", active: true });
    expect(active.data.map((p) => p.id)).toEqual([second.id]);
  });

  it("update accepts only active, metadata and restrictions", async () => {
    const promo = await stripe().promotionCodes.create({
      promotion: { type: "coupon", coupon: couponId },
    });
    const err = await expectStripeError(
      stripe().promotionCodes.update(promo.id, {
        code: "NEW",
      } as unknown as Stripe.PromotionCodeUpdateParams),
    );
    expect(err.code).toBe("parameter_unknown");
  });

  it("enforces max_redemptions against the coupon and expires_at against redeem_by", async () => {
    const now = Math.floor(Date.now() / 1000);
    const limited = await stripe().coupons.create({
      percent_off: 10,
      max_redemptions: 2,
      redeem_by: now + 3600,
    });
    const tooMany = await expectStripeError(
      stripe().promotionCodes.create({
        promotion: { type: "coupon", coupon: limited.id },
        max_redemptions: 3,
      }),
    );
    expect(tooMany.param).toBe("max_redemptions");
    const tooLate = await expectStripeError(
      stripe().promotionCodes.create({
        promotion: { type: "coupon", coupon: limited.id },
        expires_at: now + 7200,
      }),
    );
    expect(tooLate.param).toBe("expires_at");
    const missing = await expectStripeError(
      stripe().promotionCodes.create({ promotion: { type: "coupon", coupon: "NOPE" } }),
    );
    expect(missing.code).toBe("resource_missing");
    expect(missing.param).toBe("promotion[coupon]");
  });

  it("enforces max_redemptions at checkout", async () => {
    const k = newKey();
    const s = sdk(emu, k);
    const coupon = await s.coupons.create({ percent_off: 10, duration: "once" });
    await s.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code: "ONCEONLY",
      max_redemptions: 1,
    });
    await emu.checkout({ api_key: k, amount: 1000, currency: "usd", promotion_code: "onceonly" });
    const promo = (await s.promotionCodes.list({ code: "ONCEONLY" })).data[0];
    expect(promo.times_redeemed).toBe(1);
    expect((await s.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
    await expect(
      emu.checkout({ api_key: k, amount: 1000, currency: "usd", promotion_code: "ONCEONLY" }),
    ).rejects.toThrow(/maximum number of redemptions/);

    const capped = await s.coupons.create({ percent_off: 10, max_redemptions: 1 });
    await s.promotionCodes.create({
      promotion: { type: "coupon", coupon: capped.id },
      code: "CAP1",
    });
    await s.promotionCodes.create({
      promotion: { type: "coupon", coupon: capped.id },
      code: "CAP2",
    });
    await emu.checkout({ api_key: k, amount: 1000, currency: "usd", promotion_code: "CAP1" });
    expect((await s.coupons.retrieve(capped.id)).valid).toBe(false);
    await expect(
      emu.checkout({ api_key: k, amount: 1000, currency: "usd", promotion_code: "CAP2" }),
    ).rejects.toThrow(/no longer valid/);
  });

  it("coupon deletion makes its codes permanently inactive and emits events", async () => {
    const k = newKey();
    const s = sdk(emu, k);
    const receiver = await new WebhookReceiver().start();
    try {
      await connect(s, receiver);
      const coupon = await s.coupons.create({ percent_off: 30 });
      const promo = await s.promotionCodes.create({
        promotion: { type: "coupon", coupon: coupon.id },
        code: "GONE",
      });
      await s.coupons.del(coupon.id);
      await emu.waitForDeliveries();
      const after = await s.promotionCodes.retrieve(promo.id);
      expect(after.active).toBe(false);
      expect(after.promotion.coupon).toBe(coupon.id);
      const err = await expectStripeError(s.promotionCodes.update(promo.id, { active: true }));
      expect(err.param).toBe("active");
      // the text is free again
      const fresh = await s.coupons.create({ percent_off: 5 });
      await s.promotionCodes.create({
        promotion: { type: "coupon", coupon: fresh.id },
        code: "GONE",
      });

      await s.promotionCodes.update(promo.id, { metadata: { note: "x" } });
      await emu.waitForDeliveries();
      const types = receiver.types();
      expect(types).toContain("coupon.deleted");
      expect(types.filter((t) => t === "promotion_code.updated").length).toBeGreaterThanOrEqual(2);
      const listed = await s.events.list({ type: "coupon.deleted" });
      expect(listed.data).toHaveLength(1);
      expect((await s.events.retrieve(listed.data[0].id)).type).toBe("coupon.deleted");
      const deletedEvt = receiver.received.find((r) => r.event.type === "coupon.deleted");
      expect((deletedEvt?.event.data.object as Stripe.Coupon).id).toBe(coupon.id);
    } finally {
      await receiver.stop();
    }
  });
});

describe("webhook endpoints", () => {
  it("returns the secret only on create; retrieve, list, update, delete", async () => {
    const s = sdk(emu, newKey());
    const created = await s.webhookEndpoints.create({
      url: "http://127.0.0.1:9/webhooks/stripe/b1",
      enabled_events: ["invoice.paid", "charge.refunded"],
      api_version: "2026-10-28.endive",
    });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({
      object: "webhook_endpoint",
      status: "enabled",
      api_version: "2026-10-28.endive",
      enabled_events: ["invoice.paid", "charge.refunded"],
    });
    const got = await s.webhookEndpoints.retrieve(created.id);
    expect(got.secret).toBeUndefined();
    const updated = await s.webhookEndpoints.update(created.id, {
      enabled_events: ["*"],
      disabled: true,
    });
    expect(updated).toMatchObject({ enabled_events: ["*"], status: "disabled" });
    expect((await s.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([created.id]);
    const del = await s.webhookEndpoints.del(created.id);
    expect(del).toEqual({ id: created.id, object: "webhook_endpoint", deleted: true });
    expect((await s.webhookEndpoints.list()).data).toHaveLength(0);

    const bad = await expectStripeError(
      s.webhookEndpoints.create({ url: "not a url", enabled_events: ["invoice.paid"] }),
    );
    expect(bad.param).toBe("url");
    const missing = await expectStripeError(
      s.webhookEndpoints.create({
        url: "https://example.com/x",
      } as Stripe.WebhookEndpointCreateParams),
    );
    expect(missing.code).toBe("parameter_missing");
    expect(missing.param).toBe("enabled_events");
  });
});
