import { createHmac } from "node:crypto";
import { newId, nowSeconds } from "./ids.js";
import { API_VERSION, type Account } from "./state.js";
import type { EventObject, JsonObject, WebhookEndpointObject } from "./types.js";

export interface RetryOptions {
  /** Total attempts per delivery, including the first (default 3). */
  maxAttempts: number;
  /** Wait before attempt n+1 (last value repeats; default [100, 300]). */
  backoffMs: number[];
}

export interface DeliveryAttempt {
  at: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export type DeliveryStatus = "queued" | "pending" | "succeeded" | "failed";

export interface DeliveryRecord {
  id: string;
  account_id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  created: number;
  payload: string;
}

export interface DispatchOptions {
  /** Send every (event, endpoint) delivery twice, in shuffled order. */
  duplicateAndShuffle?: boolean;
}

/** Signs a payload the way Stripe does: `t=<ts>,v1=<hex hmac-sha256(secret, "t.payload")>`. */
export function signPayload(payload: string, secret: string, timestamp = nowSeconds()): string {
  const sig = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${sig}`;
}

function toJsonObject(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** Creates and stores an event with an unexpanded snapshot of `object`. */
export function createEvent(
  account: Account,
  type: string,
  object: object,
  previousAttributes?: JsonObject,
): EventObject {
  const snapshot = toJsonObject(object);
  // Webhook payloads are never expanded and never include includable fields or secrets.
  if (snapshot.object === "checkout.session") {
    const totals = snapshot.total_details;
    if (totals && typeof totals === "object" && !Array.isArray(totals)) delete totals.breakdown;
  }
  if (snapshot.object === "webhook_endpoint") delete snapshot.secret;
  const event: EventObject = {
    id: newId("evt", 24),
    object: "event",
    api_version: API_VERSION,
    created: nowSeconds(),
    data: previousAttributes
      ? { object: snapshot, previous_attributes: previousAttributes }
      : { object: snapshot },
    livemode: account.livemode,
    pending_webhooks: matchingEndpoints(account, type).length,
    request: { id: null, idempotency_key: null },
    type,
  };
  account.events.set(event.id, event);
  return event;
}

export function matchingEndpoints(account: Account, type: string): WebhookEndpointObject[] {
  return [...account.webhookEndpoints.values()].filter(
    (e) =>
      e.status === "enabled" && (e.enabled_events.includes("*") || e.enabled_events.includes(type)),
  );
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Job {
  record: DeliveryRecord;
  secret: string;
}

/** Delivers events to webhook endpoints with real signatures, retries and a delivery log. */
export class WebhookDispatcher {
  deliveries: DeliveryRecord[] = [];
  enabled: boolean;
  retry: RetryOptions;
  timeoutMs: number;
  private queue: Job[] = [];
  private inflight = new Set<Promise<unknown>>();

  constructor(opts: { enabled: boolean; retry: RetryOptions; timeoutMs: number }) {
    this.enabled = opts.enabled;
    this.retry = opts.retry;
    this.timeoutMs = opts.timeoutMs;
  }

  private jobsFor(account: Account, events: EventObject[]): Job[] {
    const jobs: Job[] = [];
    for (const event of events) {
      for (const endpoint of matchingEndpoints(account, event.type)) {
        const payload = JSON.stringify(
          { ...event, api_version: endpoint.api_version ?? event.api_version },
          null,
          2,
        );
        jobs.push({
          secret: endpoint.secret ?? "",
          record: {
            id: newId("wdel", 20),
            account_id: account.id,
            event_id: event.id,
            event_type: event.type,
            endpoint_id: endpoint.id,
            url: endpoint.url,
            status: "queued",
            attempts: [],
            created: Date.now(),
            payload,
          },
        });
      }
    }
    return jobs;
  }

  /**
   * Delivers the events to every subscribed endpoint, one delivery after the other. When automatic
   * delivery is disabled the deliveries are queued for `flush()`. Resolves when all are done.
   */
  dispatch(
    account: Account,
    events: EventObject[],
    opts: DispatchOptions = {},
  ): Promise<DeliveryRecord[]> {
    let jobs = this.jobsFor(account, events);
    if (opts.duplicateAndShuffle) {
      const copies = jobs.map((j) => ({
        ...j,
        record: { ...j.record, id: newId("wdel", 20), attempts: [] },
      }));
      jobs = shuffle([...jobs, ...copies]);
    }
    for (const job of jobs) this.deliveries.push(job.record);
    if (!this.enabled) {
      this.queue.push(...jobs);
      return Promise.resolve(jobs.map((j) => j.record));
    }
    return this.track(this.runSequentially(jobs));
  }

  /** Sends all queued deliveries (manual mode). */
  flush(opts: DispatchOptions = {}): Promise<DeliveryRecord[]> {
    let jobs = this.queue;
    this.queue = [];
    if (opts.duplicateAndShuffle) {
      const copies = jobs.map((j) => ({
        ...j,
        record: { ...j.record, id: newId("wdel", 20), attempts: [] },
      }));
      for (const c of copies) this.deliveries.push(c.record);
      jobs = shuffle([...jobs, ...copies]);
    }
    return this.track(this.runSequentially(jobs));
  }

  queued(): DeliveryRecord[] {
    return this.queue.map((j) => j.record);
  }

  /** Resolves once no delivery is in flight. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) {
      await Promise.allSettled([...this.inflight]);
    }
  }

  clear(accountId?: string): void {
    if (!accountId) {
      this.deliveries = [];
      this.queue = [];
      return;
    }
    this.deliveries = this.deliveries.filter((d) => d.account_id !== accountId);
    this.queue = this.queue.filter((j) => j.record.account_id !== accountId);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const remove = () => this.inflight.delete(promise);
    promise.then(remove, remove);
    return promise;
  }

  private async runSequentially(jobs: Job[]): Promise<DeliveryRecord[]> {
    for (const job of jobs) await this.send(job);
    return jobs.map((j) => j.record);
  }

  private async send(job: Job): Promise<void> {
    const { record } = job;
    record.status = "pending";
    const maxAttempts = Math.max(1, this.retry.maxAttempts);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const started = Date.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(record.url, {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            "stripe-signature": signPayload(record.payload, job.secret),
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          },
          body: record.payload,
          redirect: "manual",
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      record.attempts.push({ at: started, status, error, duration_ms: Date.now() - started });
      if (status !== null && status >= 200 && status < 300) {
        record.status = "succeeded";
        return;
      }
      if (attempt < maxAttempts) {
        const backoff = this.retry.backoffMs;
        const wait = backoff.length > 0 ? backoff[Math.min(attempt - 1, backoff.length - 1)] : 0;
        await sleep(wait);
      }
    }
    record.status = "failed";
  }
}
