/**
 * ACCEPTANCE: 200 random checkouts, renewals and partial/full refunds across several affiliates,
 * codes and links (with sub-affiliates, an unapproved affiliate, code rates, once/repeating/forever
 * and 100%-off coupons, flat/percent campaigns, recurring windows, usd and jpy, repeat customers),
 * run against the Stripe emulator in simulated time. Their Stripe events are delivered to the app
 * (real intake + processStripeEvent) in random batches while the story unfolds, duplicated and
 * shuffled, so events of one purchase — and later purchases — routinely arrive before earlier
 * ones. The result must equal, exactly, the conversions, redemption counters and ledger that the
 * independent reference model (tests/domain/reference-model.ts) computes from the same story.
 *
 * Repeatable: the seed is printed; rerun with ATTRIBUTION_SEED=<seed>. ATTRIBUTION_OPS changes the
 * number of operations (default 200).
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addInterval } from "../../tools/stripe-emulator/discounts";
import { type ModelOp, type ModelWorld, runReferenceModel } from "../domain/reference-model";
import { AttributionWorld, rng, shuffle, type TestBrand } from "./harness";

const SEED = Number(process.env.ATTRIBUTION_SEED ?? Math.floor(Math.random() * 2 ** 31));
const OPS = Number(process.env.ATTRIBUTION_OPS ?? 200);

let w: AttributionWorld;
beforeAll(async () => {
  w = await AttributionWorld.start();
});
afterAll(async () => {
  vi.useRealTimers();
  await w?.close();
});

interface Sub {
  id: string;
  checkoutId: string;
  nextAt: number;
  remaining: number;
  code: string | null;
}

describe("acceptance: randomized story vs the reference model", () => {
  it(
    `matches the reference model exactly (seed ${SEED}, ${OPS} operations)`,
    { timeout: 240_000 },
    async () => {
      console.log(`[acceptance] ATTRIBUTION_SEED=${SEED} ATTRIBUTION_OPS=${OPS}`);
      const random = rng(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
      const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

      let T = Date.UTC(2031, 2, 1, 9, 0, 0) / 1000;
      vi.setSystemTime(new Date(T * 1000));
      const b: TestBrand = await w.brand("Acceptance");

      // ---- the world
      const campaigns = {
        C1: {
          commission: { type: "percent", bps: 2000 },
          recurringMonths: null,
          overrideBps: 1000,
        },
        C2: {
          commission: { type: "flat", amount: 500, currency: "usd" },
          recurringMonths: 0,
          overrideBps: 500,
        },
        C3: { commission: { type: "percent", bps: 3333 }, recurringMonths: 3, overrideBps: 0 },
        C4: {
          commission: { type: "flat", amount: 1000, currency: "jpy" },
          recurringMonths: 2,
          overrideBps: 250,
        },
      } as const;
      const campaignId: Record<string, string> = {};
      for (const [name, c] of Object.entries(campaigns)) {
        campaignId[name] = await b.campaign({
          commission: c.commission,
          recurringMonths: c.recurringMonths,
          overrideBps: c.overrideBps,
          cookieWindowDays: 365,
        });
      }
      const all = Object.values(campaignId);
      const aff: Record<string, string> = {};
      aff.a1 = await b.affiliate({ campaigns: all });
      aff.a2 = await b.affiliate({ campaigns: all, parentId: aff.a1 });
      aff.a3 = await b.affiliate({ campaigns: all, parentId: aff.a2 });
      aff.a4 = await b.affiliate({ campaigns: all, status: "pending" });
      aff.a5 = await b.affiliate({ campaigns: all, parentId: aff.a4 });
      aff.a6 = await b.affiliate({ campaigns: all });
      const parents: Record<string, string | null> = {
        a1: null,
        a2: "a1",
        a3: "a2",
        a4: null,
        a5: "a4",
        a6: null,
      };

      const codeSpecs = [
        { name: "K1", a: "a1", c: "C1", overrides: true, rate: null, duration: "forever", pct: 10 },
        {
          name: "K2",
          a: "a2",
          c: "C3",
          overrides: false,
          rate: 2500,
          duration: "repeating",
          pct: 20,
        },
        { name: "K3", a: "a3", c: "C2", overrides: true, rate: null, duration: "once", pct: 15 },
        { name: "K4", a: "a4", c: "C1", overrides: true, rate: null, duration: "forever", pct: 5 },
        { name: "K5", a: "a5", c: "C4", overrides: true, rate: 1750, duration: "forever", pct: 10 },
        { name: "K6", a: "a6", c: "C3", overrides: false, rate: null, duration: "once", pct: 100 },
      ] as const;
      const codeText: Record<string, string> = {};
      const codeId: Record<string, string> = {};
      for (const s of codeSpecs) {
        const created = await b.code({
          affiliateId: aff[s.a],
          campaignId: campaignId[s.c],
          code: `${s.name}X${SEED % 100000}`,
          percentOff: s.pct,
          duration: s.duration,
          durationInMonths: 2,
          overridesClick: s.overrides,
          rateBps: s.rate,
        });
        codeText[s.name] = created.code;
        codeId[s.name] = created.affiliateCouponId;
      }
      const clickSpecs = [
        ["c1", "a1", "C3"],
        ["c2", "a2", "C1"],
        ["c3", "a3", "C1"],
        ["c4", "a4", "C1"],
        ["c5", "a5", "C4"],
        ["c6", "a6", "C2"],
      ] as const;
      const clickId: Record<string, string> = {};
      for (const [name, a, c] of clickSpecs)
        clickId[name] = await b.click(aff[a], campaignId[c], new Date(T * 1000));

      const model: ModelWorld = {
        affiliates: Object.fromEntries(
          Object.keys(aff).map((k) => [
            aff[k],
            { parentId: parents[k] ? aff[parents[k]!] : null, approved: k !== "a4" },
          ]),
        ),
        campaigns: Object.fromEntries(
          Object.entries(campaigns).map(([k, c]) => [
            campaignId[k],
            {
              commission: c.commission,
              recurringMonths: c.recurringMonths,
              overrideBps: c.overrideBps,
            },
          ]),
        ),
        codes: Object.fromEntries(
          codeSpecs.map((s) => [
            s.name,
            {
              affiliateId: aff[s.a],
              campaignId: campaignId[s.c],
              overridesClick: s.overrides,
              rateBps: s.rate,
            },
          ]),
        ),
        clicks: Object.fromEntries(
          clickSpecs.map(([name, a, c]) => [
            clickId[name],
            { affiliateId: aff[a], campaignId: campaignId[c] },
          ]),
        ),
      };

      // ---- the story, delivered in random batches while it unfolds
      const ops: ModelOp[] = [];
      const subs: Sub[] = [];
      const customers: { id: string; currency: string }[] = [];
      const refundable: { id: string; paymentIntent: string; amount: number; refunded: number }[] =
        [];
      let pool: Stripe.Event[] = [];
      const delivered: Stripe.Event[] = [];
      let deliveries = 0;

      const deliver = async (events: Stripe.Event[]) => {
        const batch: Stripe.Event[] = [];
        for (const e of events) for (let i = between(1, 3); i > 0; i--) batch.push(e);
        for (const e of shuffle(batch, random)) {
          await b.deliver(e);
          deliveries++;
        }
        delivered.push(...events);
      };

      const setTime = (seconds: number) => {
        T = seconds;
        vi.setSystemTime(new Date(T * 1000));
      };

      while (ops.length < OPS) {
        const nextCheckoutAt = T + between(6 * 3600, 2 * 86_400);
        const due = subs.filter((s) => s.remaining > 0).sort((x, y) => x.nextAt - y.nextAt)[0];
        if (due && due.nextAt <= nextCheckoutAt) {
          setTime(due.nextAt);
          const r = await b.emu().renewal({ api_key: b.key, subscription: due.id });
          due.remaining -= 1;
          due.nextAt = r.period_end;
          ops.push({
            type: "renewal",
            id: r.invoice,
            of: due.checkoutId,
            periodStart: new Date(r.period_start * 1000).toISOString(),
            amount: r.amount_total,
            code: r.discount_applied ? due.code : null,
          });
          if (r.amount_total > 0)
            refundable.push({
              id: r.invoice,
              paymentIntent: r.payment_intent,
              amount: r.amount_total,
              refunded: 0,
            });
        } else if (random() < 0.25 && refundable.some((x) => x.refunded < x.amount)) {
          setTime(nextCheckoutAt);
          const target = pick(refundable.filter((x) => x.refunded < x.amount));
          const full = random() < 0.4;
          const amount = full
            ? undefined
            : between(
                1,
                target.amount - target.refunded - (target.amount - target.refunded > 1 ? 1 : 0),
              );
          const r = await b
            .emu()
            .refund({ api_key: b.key, payment_intent: target.paymentIntent, amount });
          target.refunded = r.amount_refunded;
          ops.push({ type: "refund", conversion: target.id, amountRefunded: r.amount_refunded });
        } else {
          setTime(nextCheckoutAt);
          const existing = customers.length > 0 && random() < 0.3 ? pick(customers) : null;
          const currency = existing?.currency ?? (random() < 0.8 ? "usd" : "jpy");
          const code = random() < 0.45 ? pick(codeSpecs).name : null;
          const click = random() < 0.45 ? pick(clickSpecs)[0] : null;
          const mode = random() < 0.75 ? "subscription" : "payment";
          const amount = currency === "jpy" ? between(300, 30_000) : between(500, 20_000);
          const r = await b.emu().checkout({
            api_key: b.key,
            mode,
            amount,
            currency,
            customer: existing?.id,
            promotion_code: code ? codeText[code] : undefined,
            client_reference_id: click ? clickId[click] : undefined,
          });
          if (!existing) customers.push({ id: r.customer, currency });
          const id = mode === "subscription" ? r.invoice! : r.checkout_session;
          ops.push({
            type: "checkout",
            id,
            customer: r.customer,
            at: new Date(T * 1000).toISOString(),
            amount: r.amount_total,
            currency,
            code,
            click: click ? clickId[click] : null,
          });
          if (mode === "subscription") {
            subs.push({
              id: r.subscription!,
              checkoutId: id,
              nextAt: addInterval(T, "month"),
              remaining: between(0, 4),
              code,
            });
          }
          if (r.amount_total > 0)
            refundable.push({
              id,
              paymentIntent: r.payment_intent,
              amount: r.amount_total,
              refunded: 0,
            });
        }

        pool.push(...b.take());
        if (random() < 0.35) {
          const now = pool.filter(() => random() < 0.6);
          pool = pool.filter((e) => !now.includes(e));
          // Now and then a late duplicate of something delivered long ago.
          if (delivered.length > 0 && random() < 0.3) now.push(pick(delivered));
          await deliver(now);
        }
      }
      await deliver(pool);
      await deliver(shuffle(delivered, random).slice(0, 20)); // replays: must change nothing
      vi.useRealTimers();

      // ---- compare
      const expected = runReferenceModel(model, ops);
      const failed = await w.db
        .selectFrom("stripe_events")
        .select(["type", "error"])
        .where("status", "!=", "processed")
        .execute();
      expect(failed).toEqual([]);

      const rows = await b.conversions();
      const byKey = new Map(
        rows.map((r) => [r.stripe_invoice_id ?? r.stripe_checkout_session_id!, r]),
      );
      const mismatches: unknown[] = [];
      let compared = 0;
      for (const m of Object.values(expected.conversions)) {
        const row = byKey.get(m.id);
        byKey.delete(m.id);
        const relevant = m.affiliateId !== null || m.countedCode !== null;
        if (!relevant) {
          if (row) mismatches.push({ id: m.id, unexpected: true, affiliate: row.affiliate_id });
          continue;
        }
        compared++;
        if (!row) {
          mismatches.push({ id: m.id, missing: m });
          continue;
        }
        const ledger = (await b.ledger(row.id)).sums;
        const got = {
          affiliateId: row.affiliate_id,
          method: row.affiliate_id ? row.attribution_method : null,
          amount: row.amount,
          currency: row.currency,
          status: row.status,
          refundedAmount: row.refunded_amount,
          counted: row.redemption_counted,
          commissionNet: row.commission_amount,
          overrideNet: row.override_amount,
          ledger,
        };
        const want = {
          affiliateId: m.affiliateId,
          method: m.method,
          amount: m.amount,
          currency: m.currency,
          status: m.status,
          refundedAmount: m.refundedAmount,
          counted: m.countedCode !== null,
          commissionNet: m.commissionNet,
          overrideNet: m.overrideNet,
          ledger: expected.ledger[m.id],
        };
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ id: m.id, got, want });
      }
      for (const [key, row] of byKey) mismatches.push({ id: key, extra: row.affiliate_id });
      expect(mismatches).toEqual([]);

      const counters: Record<string, number> = {};
      const wantCounters: Record<string, number> = {};
      for (const s of codeSpecs) {
        counters[s.name] = await b.counter(codeId[s.name]);
        wantCounters[s.name] = expected.counters[s.name] ?? 0;
      }
      expect(counters).toEqual(wantCounters);

      for (const [key, balance] of Object.entries(expected.balances)) {
        const [affiliateId, currency] = key.split("|");
        expect({ key, balance: await b.balance(affiliateId, currency) }).toEqual({ key, balance });
      }

      const kinds = ops.reduce<Record<string, number>>(
        (acc, op) => ({ ...acc, [op.type]: (acc[op.type] ?? 0) + 1 }),
        {},
      );
      console.log(
        `[acceptance] seed ${SEED}: ${JSON.stringify(kinds)}, ${compared} credited/counted conversions compared, ${deliveries} deliveries`,
      );
      expect(compared).toBeGreaterThan(OPS / 4);
    },
  );
});
