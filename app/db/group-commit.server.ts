/**
 * Group commit ("coalescing writer") for the two hot write paths: referral clicks and Stripe
 * intake. Callers `write(item)` and get a promise of that item's own result. While a flush is in
 * flight, further items queue; the next flush hands ALL queued items to `flush` at once, which
 * writes them in ONE statement (one round trip, one commit) and returns one result per item.
 *
 * Durability: a caller's promise settles only after the flush that carried its item finished,
 * i.e. after the statement (and so its implicit transaction) committed. Nothing is acknowledged
 * early.
 *
 * Failure isolation: when a batch of several items fails with an error that is not "the database
 * is unavailable", each item is written again on its own, so a bad row fails only its own caller.
 * When the database is unavailable, every item of the batch fails with that error (a 503 for each).
 */
import { isDatabaseUnavailable } from "./db-errors.server";

export interface GroupCommitOptions<I> {
  /** Most items in one flush (the rest wait for the next). */
  maxBatch: number;
  /** Optional size of an item (e.g. payload bytes) and the most per flush; one item always fits. */
  weight?: (item: I) => number;
  maxWeight?: number;
  /** Flushes allowed in flight at once (each is one statement on one pooled connection). */
  maxInFlight?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export class GroupCommitWriter<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Flushes run so far and items written (for tests and diagnostics). */
  readonly stats = { flushes: 0, items: 0, largestBatch: 0, isolatedRetries: 0 };

  constructor(
    /** Write all items in one statement; return one result per item, in the same order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly opts: GroupCommitOptions<I>,
  ) {}

  write(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Start a flush at the end of this tick (so requests arriving together share it) if a slot is free. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= (this.opts.maxInFlight ?? 1) || this.queue.length === 0)
      return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.inFlight >= (this.opts.maxInFlight ?? 1) || this.queue.length === 0) return;
    const batch = this.takeBatch();
    this.inFlight++;
    void this.run(batch).finally(() => {
      this.inFlight--;
      this.schedule();
    });
    // Another slot free and more queued (maxInFlight > 1): fill it too.
    this.schedule();
  }

  private takeBatch(): Pending<I, O>[] {
    const { maxBatch, weight, maxWeight } = this.opts;
    if (!weight || maxWeight === undefined) return this.queue.splice(0, maxBatch);
    let total = 0;
    let n = 0;
    while (n < this.queue.length && n < maxBatch) {
      total += weight(this.queue[n].item);
      if (n > 0 && total > maxWeight) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    this.stats.flushes++;
    this.stats.items += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      const results = await this.flushChecked(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // One bad item must not fail the others: write each on its own.
      this.stats.isolatedRetries++;
      for (const p of batch) {
        try {
          const [result] = await this.flushChecked([p.item]);
          p.resolve(result);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }

  private async flushChecked(items: I[]): Promise<O[]> {
    const results = await this.flush(items);
    if (results.length !== items.length) {
      throw new Error(
        `group commit: flush returned ${results.length} results for ${items.length} items`,
      );
    }
    return results;
  }
}

/**
 * One writer per database handle (a Kysely instance): the web process has one; every test file
 * has its own database and so its own writer.
 */
export function writerPerKey<K extends object, I, O>(
  create: (key: K) => GroupCommitWriter<I, O>,
): (key: K) => GroupCommitWriter<I, O> {
  const writers = new WeakMap<K, GroupCommitWriter<I, O>>();
  return (key) => {
    let w = writers.get(key);
    if (!w) {
      w = create(key);
      writers.set(key, w);
    }
    return w;
  };
}
