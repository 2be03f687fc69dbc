/**
 * Concurrency of the attribution job (app/services/attribution/locks.server.ts `lockAttribution`): events
 * of different customers of one brand run in parallel (per-customer locks), events of one customer
 * never do, an event that cannot name its customer locks the whole brand. Whatever the
 * interleaving, the result equals the reference model / the sequential result: one conversion per
 * payment, exact ledgers, exact redemption counters (shared by customers using the same code).
 */
import { sql } from "kysely";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, createPool, type DB } from "../../app/db/db.server";
import { lockAttribution, type LockScope } from "../../app/services/attribution/locks.server";
import { loadWebhookSecret } from "../../app/services/stripe-account/stripe-connection.server";
import { intakeStripeEvent } from "../../app/services/stripe-events/intake.server";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { compareWithModel, duplicateConversions, playStory } from "../support/purchase-story";
import { sign } from "../stripe/helpers";
import { AttributionWorld, rng, shuffle, type TestBrand } from "./harness";

let w: AttributionWorld;
let db: DB;

beforeAll(async () => {
  w = await AttributionWorld.start();
  // A pool large enough for many jobs in flight at once (the test database's own has 5).
  db = createDb(createPool(w.t.url, 16));
});
afterAll(async () => {
  await db?.destroy();
  await w?.close();
});

/** Store events through the real intake (signed); return their row ids. */
async function store(b: TestBrand, events: readonly Stripe.Event[]): Promise<string[]> {
  const secret = (await loadWebhookSecret(w.db, w.config, b.id))!.webhookSecret;
  const ids: string[] = [];
  for (const e of events) {
    const body = JSON.stringify(e);
    const r = await intakeStripeEvent(w.db, w.config, {
      brandId: b.id,
      rawBody: body,
      signature: sign(body, secret),
    });
    if (r.kind !== "stored") throw new Error(`intake refused the event: ${JSON.stringify(r)}`);
    ids.push(r.eventRowId);
  }
  return ids;
}

/** Process event rows with `parallel` jobs in flight at once (each row possibly several times). */
async function processConcurrently(rowIds: readonly string[], parallel: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < rowIds.length) {
      const id = rowIds[next++];
      await processStripeEvent(db, { config: w.config }, id).catch((e: unknown) => errors.push(e));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} event(s) failed`);
}

async function statuses(brandId: string) {
  const { rows } = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from stripe_events where brand_id = ${brandId} group by status order by status`.execute(
    w.db,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Whether `scope` can be locked now while other transactions hold theirs (without waiting). */
async function lockWaits(
  brandId: string,
  scope: LockScope,
  holding: Promise<unknown>,
): Promise<boolean> {
  const attempt = db.transaction().execute(async (trx) => {
    await sql`set local lock_timeout = '300ms'`.execute(trx);
    await lockAttribution(trx, brandId, scope);
  });
  const outcome = await attempt.then(
    () => "locked",
    (e: unknown) => (/lock timeout/i.test(String(e)) ? "waited" : Promise.reject(e)),
  );
  void holding;
  return outcome === "waited";
}

describe("attribution under concurrency", () => {
  it("locks per customer: other customers proceed, the same customer and a brand-wide lock wait", async () => {
    const b = await w.brand();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const holder = db.transaction().execute(async (trx) => {
      await lockAttribution(trx, b.id, { kind: "keys", keys: ["customer:cus_A"] });
      held();
      await gate;
    });
    await isHeld;
    try {
      expect(await lockWaits(b.id, { kind: "keys", keys: ["customer:cus_B"] }, holder)).toBe(false);
      expect(
        await lockWaits(b.id, { kind: "keys", keys: ["customer:cus_B", "customer:cus_A"] }, holder),
      ).toBe(true);
      expect(await lockWaits(b.id, { kind: "keys", keys: ["customer:cus_A"] }, holder)).toBe(true);
      expect(await lockWaits(b.id, { kind: "brand" }, holder)).toBe(true);
      // Another brand's customer of the same id is independent.
      const other = await w.brand("Other");
      expect(await lockWaits(other.id, { kind: "keys", keys: ["customer:cus_A"] }, holder)).toBe(
        false,
      );
    } finally {
      release();
      await holder;
    }
    expect(await lockWaits(b.id, { kind: "brand" }, holder)).toBe(false);
  });

  it("many new customers using the same codes, processed 8 at a time: exact conversions and counters", async () => {
    const b = await w.brand();
    const campaign = await b.campaign({
      commission: { type: "percent", bps: 2000 },
      overrideBps: 500,
    });
    const parent = await b.affiliate({ campaigns: [campaign] });
    const affs = [
      await b.affiliate({ campaigns: [campaign], parentId: parent }),
      await b.affiliate({ campaigns: [campaign] }),
    ];
    const codes = [
      await b.code({ affiliateId: affs[0], campaignId: campaign }),
      await b.code({ affiliateId: affs[1], campaignId: campaign, rateBps: 3000 }),
    ];
    const checkouts = [];
    for (let i = 0; i < 24; i++) {
      checkouts.push(
        await b.emu().checkout({
          api_key: b.key,
          amount: 1000 + i * 100,
          currency: "usd",
          promotion_code: codes[i % 2].code,
        }),
      );
    }
    const events = b.take();
    const rows = await store(b, events);
    // Every event twice, shuffled: duplicates race each other as well.
    await processConcurrently(shuffle([...rows, ...rows], rng(11)), 8);

    expect(await statuses(b.id)).toEqual({ processed: events.length });
    expect(await duplicateConversions(b)).toBe(0);
    const conversions = await b.conversions();
    expect(conversions).toHaveLength(checkouts.length);
    for (const [i, r] of checkouts.entries()) {
      const c = conversions.find((x) => x.stripe_invoice_id === r.invoice)!;
      // 10 % off, then 20 % (campaign) or 30 % (code rate) commission; the parent's 5 % override.
      const amount = Math.round((1000 + i * 100) * 0.9);
      expect(c).toMatchObject({
        affiliate_id: affs[i % 2],
        attribution_method: "coupon",
        amount,
        redemption_counted: true,
      });
      const rate = i % 2 === 0 ? 0.2 : 0.3;
      expect(c.commission_amount).toBe(Math.round(amount * rate));
      expect(c.override_amount).toBe(i % 2 === 0 ? Math.round(amount * 0.05) : 0);
      expect(c.stripe_payment_intent_id).toBe(r.payment_intent);
    }
    expect(await b.counter(codes[0].affiliateCouponId)).toBe(12);
    expect(await b.counter(codes[1].affiliateCouponId)).toBe(12);
    const ledger = await sql<{
      n: number;
    }>`select count(*)::int as n from commission_entries where brand_id = ${b.id}`.execute(w.db);
    expect(ledger.rows[0].n).toBe(24 + 12); // one commission each, plus the parent's override on codes[0]
  });

  it("all events of one customer at once (purchase, renewals, refund; duplicated) give the sequential result", async () => {
    // Same purchases in two brands: one processed in order, one concurrently.
    const setup = async (name: string) => {
      const b = await w.brand(name);
      const campaign = await b.campaign({
        commission: { type: "percent", bps: 2500 },
        recurringMonths: 2,
        overrideBps: 1000,
      });
      const parent = await b.affiliate({ campaigns: [campaign] });
      const linkAff = await b.affiliate({ campaigns: [campaign] });
      const codeAff = await b.affiliate({ campaigns: [campaign], parentId: parent });
      const code = await b.code({
        affiliateId: codeAff,
        campaignId: campaign,
        duration: "once",
        overridesClick: false,
      });
      const click = await b.click(linkAff, campaign);
      const r = await b.emu().checkout({
        api_key: b.key,
        amount: 4000,
        currency: "usd",
        promotion_code: code.code,
        client_reference_id: click,
      });
      const renewals = [];
      for (let i = 0; i < 3; i++)
        renewals.push(await b.emu().renewal({ api_key: b.key, subscription: r.subscription! }));
      await b
        .emu()
        .refund({ api_key: b.key, payment_intent: renewals[0].payment_intent, amount: 1000 });
      // A second purchase of the same customer, one-off, with the code again.
      const again = await b.emu().checkout({
        api_key: b.key,
        amount: 2500,
        currency: "usd",
        promotion_code: code.code,
        customer: r.customer,
        mode: "payment",
      });
      await b.emu().refund({ api_key: b.key, payment_intent: again.payment_intent });
      return {
        b,
        code,
        invoices: [r.invoice!, ...renewals.map((x) => x.invoice)],
        session: again.checkout_session,
      };
    };
    const seq = await setup("Sequential");
    const par = await setup("Concurrent");
    await processConcurrently(await store(seq.b, seq.b.take()), 1);
    const parEvents = par.b.take();
    const rows = await store(par.b, parEvents);
    await processConcurrently(shuffle([...rows, ...rows, ...rows], rng(5)), 8);
    expect(await statuses(par.b.id)).toEqual({ processed: parEvents.length });

    const shape = async (x: typeof seq) => {
      const out = [];
      for (const c of await x.b.conversions()) {
        const key = c.stripe_invoice_id
          ? x.invoices.indexOf(c.stripe_invoice_id)
          : c.stripe_checkout_session_id === x.session
            ? "session"
            : "?";
        out.push({
          key,
          method: c.attribution_method,
          rule: (c.decision as { rule: string }).rule,
          amount: c.amount,
          commission: c.commission_amount,
          override: c.override_amount,
          refunded: c.refunded_amount,
          status: c.status,
          counted: c.redemption_counted,
          ledger: (await x.b.ledger(c.id)).sums,
        });
      }
      return {
        conversions: out.sort((a, b) => String(a.key).localeCompare(String(b.key))),
        counter: await x.b.counter(x.code.affiliateCouponId),
      };
    };
    const expected = await shape(seq);
    expect(expected.conversions.length).toBeGreaterThanOrEqual(4);
    expect(await shape(par)).toEqual(expected);
  });

  it(
    "random stories of several brands, every event 1-3 times, 8 jobs at a time, equal the reference model",
    { timeout: 120_000 },
    async () => {
      const startAt = Math.floor(Date.now() / 1000) - 330 * 86_400;
      const stories = [];
      for (let i = 0; i < 2; i++) {
        const b = await w.brand(`Story ${i}`);
        stories.push(await playStory(b, 4242 + i * 31, 60, startAt));
      }
      vi.useRealTimers();
      const random = rng(99);
      const rows: string[] = [];
      for (const s of stories) {
        const ids = await store(s.brand, s.events);
        for (const id of ids) for (let k = 1 + Math.floor(random() * 3); k > 0; k--) rows.push(id);
      }
      await processConcurrently(shuffle(rows, random), 8);
      for (const s of stories) {
        expect(await statuses(s.brand.id)).toEqual({ processed: s.events.length });
        expect(await duplicateConversions(s.brand)).toBe(0);
        const cmp = await compareWithModel(s);
        expect(cmp.compared).toBeGreaterThan(0);
        expect(cmp.mismatches).toEqual([]);
      }
    },
  );
});
