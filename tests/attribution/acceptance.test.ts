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
 * number of operations (default 200). The story is the shared generator
 * (tests/support/purchase-story.ts); this test delivers its events while it unfolds.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compareWithModel, playStory } from "../support/purchase-story";
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

describe("acceptance: randomized story vs the reference model", () => {
  it(
    `matches the reference model exactly (seed ${SEED}, ${OPS} operations)`,
    { timeout: 240_000 },
    async () => {
      console.log(`[acceptance] ATTRIBUTION_SEED=${SEED} ATTRIBUTION_OPS=${OPS}`);
      const random = rng(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
      const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
      const startAt = Date.UTC(2031, 2, 1, 9, 0, 0) / 1000;
      vi.setSystemTime(new Date(startAt * 1000));
      const b: TestBrand = await w.brand("Acceptance");

      // ---- the story, delivered in random batches while it unfolds
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
      const story = await playStory(b, SEED, OPS, startAt, {
        random,
        requirePast: false,
        onEvents: async (fresh) => {
          pool.push(...fresh);
          if (random() < 0.35) {
            const now = pool.filter(() => random() < 0.6);
            pool = pool.filter((e) => !now.includes(e));
            // Now and then a late duplicate of something delivered long ago.
            if (delivered.length > 0 && random() < 0.3) now.push(pick(delivered));
            await deliver(now);
          }
        },
      });
      vi.setSystemTime(new Date(story.endAt * 1000));
      await deliver(pool);
      await deliver(shuffle(delivered, random).slice(0, 20)); // replays: must change nothing
      vi.useRealTimers();

      // ---- compare
      const failed = await w.db
        .selectFrom("stripe_events")
        .select(["type", "error"])
        .where("status", "!=", "processed")
        .execute();
      expect(failed).toEqual([]);
      const { compared, mismatches } = await compareWithModel(story);
      expect(mismatches).toEqual([]);

      const kinds = story.ops.reduce<Record<string, number>>(
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
