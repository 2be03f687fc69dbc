/**
 * Per-brand bound on concurrent Stripe calls in this process (issue 15): one brand's slow or
 * paused Stripe account can hold at most `perBrand` calls in flight and `queue` more waiting, so it
 * can never take the process's sockets or database pool from other brands. A call that finds its
 * brand's queue full is not made at all (`BrandBusyError`): the Stripe-write pattern then leaves the
 * row `pending_stripe` for the settle job (app/services/stripe-account/stripe-writes.server.ts).
 */
export const STRIPE_CALLS_PER_BRAND = 4;
export const STRIPE_QUEUE_PER_BRAND = 16;

export class BrandBusyError extends Error {
  constructor(readonly brandId: string) {
    super(
      "Too many Stripe calls for this brand are in progress; Rekomi will finish this one shortly.",
    );
    this.name = "BrandBusyError";
  }
}

interface Lane {
  active: number;
  waiting: (() => void)[];
}

export class BrandLimiter {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    readonly perBrand = STRIPE_CALLS_PER_BRAND,
    readonly queue = STRIPE_QUEUE_PER_BRAND,
  ) {}

  /**
   * Run `fn` in one of the brand's slots, waiting for one if needed (at most `maxWaitMs`);
   * BrandBusyError when the queue is full or the wait runs out (`fn` is then not called).
   */
  async run<T>(
    brandId: string,
    fn: () => Promise<T>,
    opts: { maxWaitMs?: number } = {},
  ): Promise<T> {
    let lane = this.lanes.get(brandId);
    if (!lane) {
      lane = { active: 0, waiting: [] };
      this.lanes.set(brandId, lane);
    }
    if (lane.active >= this.perBrand) {
      if (lane.waiting.length >= this.queue) throw new BrandBusyError(brandId);
      const l = lane;
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer =
          opts.maxWaitMs === undefined
            ? undefined
            : setTimeout(() => {
                l.waiting.splice(l.waiting.indexOf(wake), 1);
                reject(new BrandBusyError(brandId));
              }, opts.maxWaitMs);
        l.waiting.push(wake);
      });
    } else {
      lane.active++;
    }
    try {
      return await fn();
    } finally {
      const next = lane.waiting.shift();
      if (next) next();
      else {
        lane.active--;
        if (lane.active === 0) this.lanes.delete(brandId);
      }
    }
  }

  /** Calls in flight and waiting for a brand (diagnostics, tests). */
  load(brandId: string): { active: number; waiting: number } {
    const lane = this.lanes.get(brandId);
    return { active: lane?.active ?? 0, waiting: lane?.waiting.length ?? 0 };
  }
}

/** The process-wide limiter every Stripe write goes through. */
export const brandLimiter = new BrandLimiter();
