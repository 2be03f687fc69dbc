import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import type { Config } from "../../app/config.server";
import type { DB } from "../../app/db/db.server";
import { createWebhookEndpoint } from "../../app/services/webhooks/webhook-endpoints.server";
import {
  deliverWebhook,
  type DeliveryDeps,
  DELIVER_WEBHOOK_TASK,
} from "../../app/services/webhooks/webhook-messages.server";
import { testConfig } from "../helpers/context";

/** Guard lifted: the local receivers listen on 127.0.0.1. */
export const privateConfig: Config = testConfig({ ALLOW_PRIVATE_WEBHOOK_URLS: "1" });
/** Guard on (the production default). */
export const guardedConfig: Config = testConfig();

let brandCounter = 0;
export async function makeBrand(db: DB, name = "Hook Brand"): Promise<string> {
  brandCounter++;
  const row = await db
    .insertInto("brands")
    .values({
      name: `${name} ${brandCounter}`,
      plan: "growth",
      trial_ends_at: new Date(Date.now() + 14 * 864e5),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeEndpoint(
  db: DB,
  brandId: string,
  url: string,
  eventTypes: string[] = ["conversion.created", "conversion.refunded", "conversion.updated"],
): Promise<{ id: string; secret: string }> {
  const result = await createWebhookEndpoint(
    db,
    { config: privateConfig },
    { brandId, values: { url, eventTypes } },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return { id: result.endpoint.id, secret: result.secret };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
  at: number;
}

export type Behaviour =
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  | { kind: "hang" }
  | { kind: "reset" }
  | { kind: "slowBody" }
  | { kind: "redirect"; location: string };

export const ok: Behaviour = { kind: "status", status: 200, body: "ok" };

/**
 * A local webhook receiver. Each request takes the next scripted behaviour (then `fallback`) and is
 * recorded with its headers and raw body.
 */
export class Receiver {
  readonly received: Received[] = [];
  script: Behaviour[] = [];
  fallback: Behaviour = ok;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        path: req.url ?? "/",
        at: Date.now(),
      });
      const b = this.script.shift() ?? this.fallback;
      switch (b.kind) {
        case "status":
          res.writeHead(b.status, { "content-type": "text/plain", ...b.headers });
          res.end(b.body ?? "");
          return;
        case "hang":
          return; // never answer
        case "reset":
          req.socket.destroy();
          return;
        case "slowBody":
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("partial");
          return; // the rest never comes
        case "redirect":
          res.writeHead(302, { location: b.location });
          res.end();
          return;
      }
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  url(path = "/hooks"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Check a received request with the standardwebhooks library. Its `verify` insists on a timestamp
 * within 5 minutes of the real clock, so requests sent under a fake clock are checked by having
 * the library sign the same (id, timestamp, body) and finding that signature in the header.
 */
export function verifiedBy(secret: string, r: Received): boolean {
  const id = String(r.headers["webhook-id"]);
  const timestamp = Number(r.headers["webhook-timestamp"]);
  const header = String(r.headers["webhook-signature"]);
  const wh = new Webhook(secret);
  if (Math.abs(Date.now() / 1000 - timestamp) < 240) {
    try {
      wh.verify(r.body, {
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": header,
      });
      return true;
    } catch {
      return false;
    }
  }
  const expected = wh.sign(id, new Date(timestamp * 1000), r.body);
  return header.split(" ").includes(expected);
}

export interface DeliveryState {
  id: string;
  status: string;
  next_attempt_at: Date | null;
  attempt_count: number;
}

export async function deliveriesOf(db: DB, endpointId: string): Promise<DeliveryState[]> {
  return db
    .selectFrom("webhook_deliveries")
    .select(["id", "status", "next_attempt_at", "attempt_count"])
    .where("endpoint_id", "=", endpointId)
    .orderBy("created_at")
    .execute();
}

export async function jobRunAt(db: DB, deliveryId: string): Promise<Date | null> {
  const { rows } = await sql<{ run_at: Date }>`
    select run_at from graphile_worker.jobs
    where task_identifier = ${DELIVER_WEBHOOK_TASK} and key = ${`webhook-delivery:${deliveryId}`}`.execute(
    db,
  );
  return rows[0]?.run_at ?? null;
}

/**
 * Drive deliveries without a worker: a fake clock that jumps to each next due attempt. Every
 * scheduled attempt is checked to have its graphile-worker job at the same run_at.
 */
export class Scheduler {
  now: Date;
  constructor(
    private db: DB,
    private deps: Omit<DeliveryDeps, "now">,
    start = new Date(),
  ) {
    this.now = start;
  }
  /** Run every open delivery that is due at the fake `now`. Returns the outcomes. */
  async runDue(): Promise<string[]> {
    const due = await this.db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("status", "in", ["pending", "failed"])
      .where("next_attempt_at", "<=", this.now)
      .orderBy("next_attempt_at")
      .execute();
    const outcomes: string[] = [];
    for (const d of due) {
      outcomes.push(await deliverWebhook(this.db, { ...this.deps, now: () => this.now }, d.id));
    }
    return outcomes;
  }
  /** Jump the clock to the earliest scheduled attempt; false when nothing is open. */
  async advance(): Promise<boolean> {
    const next = await this.db
      .selectFrom("webhook_deliveries")
      .select(["id", "next_attempt_at"])
      .where("status", "in", ["pending", "failed"])
      .orderBy("next_attempt_at")
      .executeTakeFirst();
    if (!next?.next_attempt_at) return false;
    const runAt = await jobRunAt(this.db, next.id);
    if (runAt === null || Math.abs(runAt.getTime() - next.next_attempt_at.getTime()) > 1000) {
      throw new Error(`delivery ${next.id} has no job at its next attempt time`);
    }
    if (next.next_attempt_at > this.now) this.now = next.next_attempt_at;
    return true;
  }
  /** Advance and run until nothing is open (or `max` rounds). */
  async drain(max = 50): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (!(await this.advance())) return;
      await this.runDue();
    }
    throw new Error("deliveries still open after max rounds");
  }
}
