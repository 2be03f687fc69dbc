/**
 * Random purchase stories: the ONE generator used by the acceptance test
 * (tests/attribution/acceptance.test.ts, which delivers the events while the story unfolds), the
 * concurrency test and the fault tests (tests/reliability/*) — checkouts, renewals, partial/full refunds across six
 * affiliates with sub-affiliates, an unapproved one, codes with own rates, once/repeating/forever and
 * 100%-off coupons, flat/percent campaigns, recurring windows, usd and jpy, repeat customers) made
 * reusable per brand, plus the comparison of a brand's ledger with the independent reference model
 * (tests/domain/reference-model.ts).
 *
 * Stories run in simulated time that ends before the real "now", so a worker process running on the
 * real clock sees every payment as past (as it would in production).
 */
import { sql } from "kysely";
import type Stripe from "stripe";
import { vi } from "vitest";
import { addInterval } from "../../tools/stripe-emulator/discounts";
import { type ModelOp, type ModelWorld, runReferenceModel } from "../domain/reference-model";
import { rng, type TestBrand } from "../attribution/harness";

export interface Story {
  brand: TestBrand;
  model: ModelWorld;
  ops: ModelOp[];
  codeIds: Record<string, string>;
  /** Every subscribed Stripe event the story produced (distinct, in creation order). */
  events: Stripe.Event[];
  /** The simulated time (unix seconds) the story ended at. */
  endAt: number;
}

export interface StoryOptions {
  /** The random source (default: `rng(seed)`); shared with a caller that also draws from it. */
  random?: () => number;
  /** Called after each operation with the events it produced (e.g. to deliver some now). */
  onEvents?: (fresh: Stripe.Event[]) => Promise<void>;
  /** Require the story to end before the real present (default true: a worker on the real clock). */
  requirePast?: boolean;
}

interface Sub {
  id: string;
  checkoutId: string;
  nextAt: number;
  remaining: number;
  code: string | null;
}

const DAY = 86_400;

/** Play `opsCount` operations for one brand, starting at unix time `startAt` (simulated clock). */
export async function playStory(
  b: TestBrand,
  seed: number,
  opsCount: number,
  startAt: number,
  opts: StoryOptions = {},
): Promise<Story> {
  const random = opts.random ?? rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  let T = startAt;
  const setTime = (seconds: number) => {
    T = seconds;
    vi.setSystemTime(new Date(T * 1000));
  };
  setTime(T);

  const campaigns = {
    C1: { commission: { type: "percent", bps: 2000 }, recurringMonths: null, overrideBps: 1000 },
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
    { name: "K2", a: "a2", c: "C3", overrides: false, rate: 2500, duration: "repeating", pct: 20 },
    { name: "K3", a: "a3", c: "C2", overrides: true, rate: null, duration: "once", pct: 15 },
    { name: "K4", a: "a4", c: "C1", overrides: true, rate: null, duration: "forever", pct: 5 },
    { name: "K5", a: "a5", c: "C4", overrides: true, rate: 1750, duration: "forever", pct: 10 },
    { name: "K6", a: "a6", c: "C3", overrides: false, rate: null, duration: "once", pct: 100 },
  ] as const;
  const codeText: Record<string, string> = {};
  const codeIds: Record<string, string> = {};
  for (const s of codeSpecs) {
    const created = await b.code({
      affiliateId: aff[s.a],
      campaignId: campaignId[s.c],
      code: `${s.name}X${seed % 100000}`,
      percentOff: s.pct,
      duration: s.duration,
      durationInMonths: 2,
      overridesClick: s.overrides,
      rateBps: s.rate,
    });
    codeText[s.name] = created.code;
    codeIds[s.name] = created.affiliateCouponId;
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

  const ops: ModelOp[] = [];
  const subs: Sub[] = [];
  const customers: { id: string; currency: string }[] = [];
  const refundable: { id: string; paymentIntent: string; amount: number; refunded: number }[] = [];
  const events: Stripe.Event[] = [];

  while (ops.length < opsCount) {
    const nextCheckoutAt = T + between(6 * 3600, 2 * DAY);
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
    const fresh = b.take();
    events.push(...fresh);
    if (opts.onEvents) await opts.onEvents(fresh);
  }
  vi.useRealTimers();
  if (opts.requirePast !== false && T * 1000 > Date.now() - 3600_000)
    throw new Error("the story ran into the real present; start it earlier");
  return { brand: b, model, ops, codeIds, events, endAt: T };
}

export interface Comparison {
  /** Conversions with an affiliate or a counted code that the model expects. */
  compared: number;
  mismatches: unknown[];
}

/** The brand's conversions, ledger, counters and balances against the reference model. */
export async function compareWithModel(story: Story): Promise<Comparison> {
  const b = story.brand;
  const expected = runReferenceModel(story.model, story.ops);
  const rows = await b.conversions();
  const byKey = new Map(rows.map((r) => [r.stripe_invoice_id ?? r.stripe_checkout_session_id!, r]));
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
      ledger: (await b.ledger(row.id)).sums,
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
  for (const [name, id] of Object.entries(story.codeIds)) {
    const got = await b.counter(id);
    const want = expected.counters[name] ?? 0;
    if (got !== want) mismatches.push({ counter: name, got, want });
  }
  for (const [key, balance] of Object.entries(expected.balances)) {
    const [affiliateId, currency] = key.split("|");
    const got = await b.balance(affiliateId, currency);
    if (got !== balance) mismatches.push({ balance: key, got, want: balance });
  }
  return { compared, mismatches };
}

/** Conversions stored twice for one Stripe payment, or ledger rows repeated (should be none). */
export async function duplicateConversions(b: TestBrand): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (
      select coalesce(stripe_invoice_id, stripe_checkout_session_id, external_id) as k
      from conversions where brand_id = ${b.id}
      group by 1 having count(*) > 1
    ) d`.execute(b.db);
  return rows[0].n;
}
