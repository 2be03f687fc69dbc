/**
 * A reusable world for attribution tests: a fresh database, the Stripe emulator, brands connected
 * to it, helpers to create campaigns/affiliates/codes/clicks, and two ways to deliver Stripe's
 * events:
 * - direct (default): the emulator does not send anything; `drain()` takes the brand's new events
 *   from the emulator, stores each through the real intake service (signed, deduplicated) and runs
 *   `processStripeEvent` on it — optionally duplicated and shuffled. Fast and deterministic.
 * - http: the emulator delivers signed webhooks to the app's intake route behind a node:http server
 *   and a real graphile-worker processes the jobs (`startHttp()`).
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type Stripe from "stripe";
import type { Config } from "../../app/config.server";
import type { DB } from "../../app/db/db.server";
import {
  connectStripe,
  loadWebhookSecret,
  STRIPE_WEBHOOK_EVENTS,
} from "../../app/services/stripe-account/stripe-connection.server";
import { intakeStripeEvent } from "../../app/services/stripe-events/intake.server";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { stripeClient } from "../../app/stripe/client.server";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { makeTaskList } from "../../jobs/tasks/index";
import { startStripeEmulator, type StripeEmulator } from "../../tools/stripe-emulator/index";
import { testConfig, testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { sign, startIntakeServer, type IntakeServer } from "../stripe/helpers";

const SUBSCRIBED = new Set<string>(STRIPE_WEBHOOK_EVENTS);

/** Small seeded PRNG (mulberry32) for shuffles and random scenarios. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const uid = (n = 6) => randomBytes(n).toString("hex");

export interface CampaignOpts {
  commission?:
    { type: "percent"; bps: number } | { type: "flat"; amount: number; currency: string };
  recurringMonths?: number | null;
  overrideBps?: number;
  cookieWindowDays?: number;
}

export interface CodeOpts {
  affiliateId: string;
  campaignId: string;
  code?: string;
  percentOff?: number;
  amountOff?: { amount: number; currency: string };
  duration?: "once" | "repeating" | "forever";
  durationInMonths?: number;
  overridesClick?: boolean;
  rateBps?: number | null;
}

export interface CreatedCode {
  affiliateCouponId: string;
  promotionCodeId: string;
  code: string;
  couponId: string;
}

export interface DrainOptions {
  /** Deliver every event this many times (default 1). */
  copies?: number;
  /** Shuffle with this PRNG (default: in order). */
  random?: () => number;
  /** Only events of these types (the rest stay for a later drain). */
  only?: string[];
  /** Keep events of these types for a later drain. */
  hold?: string[];
}

export class TestBrand {
  private seen = new Set<string>();
  readonly stripe: Stripe;

  constructor(
    readonly world: AttributionWorld,
    readonly id: string,
    readonly key: string,
  ) {
    this.stripe = stripeClient(world.config, key);
  }

  get db(): DB {
    return this.world.db;
  }

  emu(): StripeEmulator {
    return this.world.emu;
  }

  async campaign(opts: CampaignOpts = {}): Promise<string> {
    const commission = opts.commission ?? { type: "percent", bps: 2000 };
    const row = await this.db
      .insertInto("campaigns")
      .values({
        brand_id: this.id,
        name: `Campaign ${uid(3)}`,
        slug: `c-${uid()}`,
        destination_url: "https://brand.example/pricing",
        commission_type: commission.type,
        commission_percent_bps: commission.type === "percent" ? commission.bps : null,
        commission_amount: commission.type === "flat" ? commission.amount : null,
        commission_currency: commission.type === "flat" ? commission.currency : null,
        recurring_months: opts.recurringMonths === undefined ? null : opts.recurringMonths,
        sub_affiliate_override_bps: opts.overrideBps ?? 0,
        cookie_window_days: opts.cookieWindowDays ?? 30,
        auto_approve: true,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** An affiliate enrolled in the given campaigns. */
  async affiliate(
    opts: {
      status?: "pending" | "approved" | "rejected" | "suspended";
      parentId?: string | null;
      campaigns?: string[];
    } = {},
  ): Promise<string> {
    const row = await this.db
      .insertInto("affiliates")
      .values({
        brand_id: this.id,
        email: `aff-${uid()}@example.com`,
        name: `Affiliate ${uid(2)}`,
        status: opts.status ?? "approved",
        parent_affiliate_id: opts.parentId ?? null,
        recruit_code: `r${uid()}`,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (const campaignId of opts.campaigns ?? []) await this.enroll(row.id, campaignId);
    return row.id;
  }

  async enroll(affiliateId: string, campaignId: string): Promise<string> {
    const existing = await this.db
      .selectFrom("enrollments")
      .select("id")
      .where("affiliate_id", "=", affiliateId)
      .where("campaign_id", "=", campaignId)
      .executeTakeFirst();
    if (existing) return existing.id;
    const row = await this.db
      .insertInto("enrollments")
      .values({
        brand_id: this.id,
        campaign_id: campaignId,
        affiliate_id: affiliateId,
        link_code: `l${uid()}`,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A click on the affiliate's link (its id is what Checkout carries as `client_reference_id`). */
  async click(affiliateId: string, campaignId: string, at: Date = new Date()): Promise<string> {
    const enrollmentId = await this.enroll(affiliateId, campaignId);
    const row = await this.db
      .insertInto("clicks")
      .values({
        brand_id: this.id,
        campaign_id: campaignId,
        affiliate_id: affiliateId,
        enrollment_id: enrollmentId,
        created_at: at,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A Stripe coupon + promotion code (through the SDK) and the matching Rekomi rows. */
  async code(opts: CodeOpts): Promise<CreatedCode> {
    await this.enroll(opts.affiliateId, opts.campaignId);
    const duration = opts.duration ?? "forever";
    const code = opts.code ?? `K${uid(4).toUpperCase()}`;
    const coupon = await this.stripe.coupons.create({
      ...(opts.amountOff
        ? { amount_off: opts.amountOff.amount, currency: opts.amountOff.currency }
        : { percent_off: opts.percentOff ?? 10 }),
      duration,
      ...(duration === "repeating" ? { duration_in_months: opts.durationInMonths ?? 2 } : {}),
      name: `Coupon ${code}`,
    });
    const promo = await this.stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: coupon.id },
      code,
    });
    const cc = await this.db
      .insertInto("campaign_coupons")
      .values({
        brand_id: this.id,
        campaign_id: opts.campaignId,
        name: `Coupon ${code}`,
        discount_type: opts.amountOff ? "amount" : "percent",
        percent_off_bps: opts.amountOff ? null : Math.round((opts.percentOff ?? 10) * 100),
        amount_off: opts.amountOff?.amount ?? null,
        currency: opts.amountOff?.currency ?? null,
        duration,
        duration_in_months: duration === "repeating" ? (opts.durationInMonths ?? 2) : null,
        overrides_click_attribution: opts.overridesClick ?? true,
        stripe_coupon_id: coupon.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ac = await this.db
      .insertInto("affiliate_coupons")
      .values({
        brand_id: this.id,
        affiliate_id: opts.affiliateId,
        campaign_coupon_id: cc.id,
        campaign_id: opts.campaignId,
        code,
        stripe_promotion_code_id: promo.id,
        commission_rate_bps: opts.rateBps ?? null,
        created_by: "brand",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { affiliateCouponId: ac.id, promotionCodeId: promo.id, code, couponId: coupon.id };
  }

  /** The brand's subscribed events the emulator created since the last drain (oldest first). */
  newEvents(): Stripe.Event[] {
    const account = this.world.emu.emulator.account(this.key);
    const out: Stripe.Event[] = [];
    for (const event of account.events.values()) {
      if (this.seen.has(event.id) || !SUBSCRIBED.has(event.type)) continue;
      out.push(event as unknown as Stripe.Event);
    }
    return out;
  }

  /** The new events, marked as taken (the caller delivers them when it likes). */
  take(): Stripe.Event[] {
    const events = this.newEvents();
    for (const e of events) this.seen.add(e.id);
    return events;
  }

  /** Store an event through the real intake (signed) and process it now. */
  async deliver(event: Stripe.Event): Promise<void> {
    const secret = await loadWebhookSecret(this.db, this.world.config, this.id);
    if (!secret) throw new Error("brand not connected");
    const body = JSON.stringify(event);
    const result = await intakeStripeEvent(this.db, this.world.config, {
      brandId: this.id,
      rawBody: body,
      signature: sign(body, secret.webhookSecret),
    });
    if (result.kind !== "stored")
      throw new Error(`intake refused the event: ${JSON.stringify(result)}`);
    await processStripeEvent(this.db, { config: this.world.config }, result.eventRowId);
  }

  /** Deliver the new events (see DrainOptions). Returns how many distinct events were delivered. */
  async drain(opts: DrainOptions = {}): Promise<number> {
    let events = this.newEvents();
    if (opts.only) events = events.filter((e) => opts.only!.includes(e.type));
    if (opts.hold) events = events.filter((e) => !opts.hold!.includes(e.type));
    const copies = opts.copies ?? 1;
    let batch: Stripe.Event[] = [];
    for (const e of events) for (let i = 0; i < copies; i++) batch.push(e);
    if (opts.random) batch = shuffle(batch, opts.random);
    for (const e of batch) await this.deliver(e);
    for (const e of events) this.seen.add(e.id);
    return events.length;
  }

  // ------------------------------------------------------------------------------- inspection

  conversions() {
    return this.db
      .selectFrom("conversions")
      .selectAll()
      .where("brand_id", "=", this.id)
      .orderBy("occurred_at")
      .orderBy("id")
      .execute();
  }

  async conversionFor(key: { invoice?: string | null; session?: string | null }) {
    let q = this.db.selectFrom("conversions").selectAll().where("brand_id", "=", this.id);
    if (key.invoice) q = q.where("stripe_invoice_id", "=", key.invoice);
    else if (key.session) q = q.where("stripe_checkout_session_id", "=", key.session);
    else throw new Error("give invoice or session");
    return (await q.executeTakeFirst()) ?? null;
  }

  async ledger(conversionId: string) {
    const rows = await this.db
      .selectFrom("commission_entries")
      .select(["kind", "affiliate_id", "amount", "currency"])
      .where("conversion_id", "=", conversionId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const sums = { commission: 0, override: 0, clawback: 0, override_clawback: 0 };
    for (const r of rows) sums[r.kind] += Number(r.amount);
    return { rows, sums };
  }

  async counter(affiliateCouponId: string): Promise<number> {
    const row = await this.db
      .selectFrom("affiliate_coupons")
      .select("redemption_count")
      .where("id", "=", affiliateCouponId)
      .executeTakeFirstOrThrow();
    return row.redemption_count;
  }

  async balance(affiliateId: string, currency: string): Promise<number> {
    const { rows } = await sql<{ n: number | null }>`
      select sum(amount)::bigint as n from commission_entries
      where brand_id = ${this.id} and affiliate_id = ${affiliateId} and currency = ${currency}`.execute(
      this.db,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async referral(customerId: string) {
    return (
      (await this.db
        .selectFrom("referrals")
        .selectAll()
        .where("brand_id", "=", this.id)
        .where("stripe_customer_id", "=", customerId)
        .executeTakeFirst()) ?? null
    );
  }
}

export class AttributionWorld {
  http: { intake: IntakeServer; worker: WorkerHandle } | null = null;
  /** Every HTTP request the emulator served (one line each), e.g. `GET /v1/invoices/in_... 200`. */
  requests: string[] = [];

  private constructor(
    readonly t: TestDatabase,
    readonly emu: StripeEmulator,
    public config: Config,
  ) {}

  static async start(): Promise<AttributionWorld> {
    const t = await createTestDatabase();
    const requests: string[] = [];
    const emu = await startStripeEmulator({
      port: 0,
      deliver: false,
      retry: { maxAttempts: 3, backoffMs: [20, 40] },
      log: (line) => requests.push(line),
    });
    const config = testConfig({ STRIPE_API_BASE: emu.url, APP_URL: "http://127.0.0.1:9" });
    const world = new AttributionWorld(t, emu, config);
    world.requests = requests;
    return world;
  }

  get db(): DB {
    return this.t.db;
  }

  /** A brand connected to its own emulator account. */
  async brand(name = "Brand"): Promise<TestBrand> {
    const row = await this.db
      .insertInto("brands")
      .values({ name, plan: "growth", trial_ends_at: new Date(Date.now() + 14 * 86_400_000) })
      .returning("id")
      .executeTakeFirstOrThrow();
    const key = `rk_test_${uid(10)}`;
    const connected = await connectStripe(this.db, this.config, row.id, key);
    if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected)}`);
    return new TestBrand(this, row.id, key);
  }

  /**
   * Switch to the full HTTP path: the intake route behind node:http, webhooks delivered by the
   * emulator (call before creating brands so their endpoints point at it), a real worker.
   */
  async startHttp(): Promise<void> {
    const intake = await startIntakeServer(testContext(this.db));
    this.config = testConfig({ STRIPE_API_BASE: this.emu.url, APP_URL: intake.url });
    this.emu.setDeliver(true);
    const worker = await startWorker({
      pgPool: this.t.pool,
      taskList: makeTaskList({ db: this.db, config: this.config }),
      concurrency: 4,
      pollInterval: 100,
    });
    this.http = { intake, worker };
  }

  /** (HTTP mode) wait until every stored event is processed and no job is left. */
  async settled(timeoutMs = 20_000): Promise<void> {
    const start = performance.now();
    await this.emu.waitForDeliveries();
    for (;;) {
      const { rows } = await sql<{ pending: number; jobs: number; failed: number }>`
        select (select count(*)::int from stripe_events where status not in ('processed','ignored')) as pending,
               (select count(*)::int from graphile_worker.jobs where task_identifier = 'stripe__process_event') as jobs,
               (select count(*)::int from stripe_events where status = 'failed') as failed`.execute(
        this.db,
      );
      if (rows[0].pending === 0 && rows[0].jobs === 0) return;
      if (performance.now() - start > timeoutMs)
        throw new Error(`not settled: ${JSON.stringify(rows[0])}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await this.http?.worker.stop();
    await this.http?.intake.close();
    await this.emu.close();
    await this.t.drop();
  }
}
