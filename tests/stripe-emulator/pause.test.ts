/**
 * The emulator's outage control (tools/stripe-emulator/pause.ts) and Stripe's Idempotency-Key
 * behaviour it relies on: same key + same params -> the first result replayed.
 */
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index.js";
import { newKey } from "./helpers.js";

let emu: StripeEmulator;
beforeAll(async () => {
  emu = await startStripeEmulator({ port: 0 });
});
afterAll(async () => {
  await emu.close();
});

const client = (key: string, timeout = 60_000) =>
  new Stripe(key, { ...emu.stripeOptions, timeout, maxNetworkRetries: 0 });

async function until(check: () => boolean) {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe("pause / resume", () => {
  it('"before": nothing happens until resume; then the held request is answered', async () => {
    const key = newKey();
    emu.pause("before");
    const pending = client(key).coupons.create({ percent_off: 10, duration: "once" });
    await until(() => emu.held() === 1);
    // Stripe did nothing yet (the control API keeps answering while paused).
    expect((emu.state(key).accounts as unknown[]).length).toBe(0);
    expect(emu.resume()).toBe(1);
    const coupon = await pending;
    expect(coupon.percent_off).toBe(10);
  });

  it('"after": Stripe created the object but the answer is lost (timeout); the retry with the same key replays it', async () => {
    const key = newKey();
    const stripe = client(key);
    const coupon = await stripe.coupons.create({ percent_off: 5, duration: "once" });
    const params = { promotion: { type: "coupon" as const, coupon: coupon.id }, code: "LOST1" };
    emu.pause("after");
    const error = await client(key, 200)
      .promotionCodes.create(params, { idempotencyKey: "row-1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(emu.resume()).toBe(1);
    // It exists in Stripe all the same.
    const listed = await stripe.promotionCodes.list({ code: "LOST1" });
    expect(listed.data).toHaveLength(1);
    const replay = await stripe.promotionCodes.create(params, { idempotencyKey: "row-1" });
    expect(replay.id).toBe(listed.data[0].id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    // Same key, other params: Stripe's 400 idempotency_error.
    const other = await stripe.promotionCodes
      .create({ ...params, code: "LOST2" }, { idempotencyKey: "row-1" })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((other as Stripe.errors.StripeError).statusCode).toBe(400);
  });

  it('"after" + drop: the connection is reset; the SDK\'s own retry (same key) gets the first result replayed', async () => {
    const key = newKey();
    const stripe = client(key);
    const coupon = await stripe.coupons.create({ percent_off: 5, duration: "once" });
    emu.pause("after");
    const answer = stripe.promotionCodes.create(
      { promotion: { type: "coupon", coupon: coupon.id }, code: "LOST3" },
      { idempotencyKey: "row-3" },
    );
    await until(() => emu.held() === 1);
    expect(emu.resume({ drop: true })).toBe(1);
    const promo = await answer;
    expect(promo.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await stripe.promotionCodes.list({ code: "LOST3" })).data.map((p) => p.id)).toEqual([
      promo.id,
    ]);
  });

  it("a timed-out client sees a connection error while paused; the control API reports the pause", async () => {
    const key = newKey();
    emu.pause("before");
    const res = await fetch(`${emu.url}/_emulator/pause`);
    expect(await res.json()).toMatchObject({ paused: true, mode: "before" });
    const error = await client(key, 200)
      .coupons.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const resumed = await fetch(`${emu.url}/_emulator/resume`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(await resumed.json()).toMatchObject({ paused: false });
  });
});
