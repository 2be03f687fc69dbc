/**
 * RELIABILITY 3 — outbound receiver outage. Several endpoints (two brands) are down for 1 hour,
 * 6 hours and 30 hours of (fake) time: each request gets a random failure — HTTP 500, 503 with
 * Retry-After, a hang past the timeout, a connection reset, or headers followed by a body that never
 * ends. Then they come back. Every message must arrive, with the webhook-id it had on its first
 * attempt, identical bytes on every attempt and a valid Standard Webhooks signature; each message is
 * accepted exactly once per endpoint.
 *
 * The retry schedule spans days, so a fake clock drives `deliverWebhook` (the job's service) like
 * tests/webhooks do, with a short request timeout; endpoints are served in parallel, one request at a time each.
 * Knob: RELIABILITY_MESSAGES (default 40 per brand; documented run 250).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliverWebhook,
  publishWebhookEvent,
} from "../../app/services/webhooks/webhook-messages.server";
import { rng } from "../attribution/harness";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  makeBrand,
  makeEndpoint,
  privateConfig,
  verifiedBy,
  type Received,
} from "../webhooks/helpers";
import { recordFigures } from "./procs";

const MESSAGES = Number(process.env.RELIABILITY_MESSAGES ?? 40);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HOUR = 3_600_000;

type Failure = "500" | "503" | "hang" | "reset" | "slowBody";
const FAILURES: Failure[] = ["500", "503", "hang", "reset", "slowBody"];

/** A receiver whose behaviour depends on the fake clock: down until `upAt`, then healthy. */
class FlakyReceiver {
  readonly received: (Received & { answer: string })[] = [];
  private readonly server: http.Server;
  constructor(
    readonly upAt: () => number,
    readonly now: () => number,
    readonly random: () => number,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const down = this.now() < this.upAt();
        const answer: Failure | "200" = down
          ? FAILURES[Math.floor(this.random() * FAILURES.length)]
          : "200";
        this.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          path: req.url ?? "/",
          at: this.now(),
          answer,
        });
        switch (answer) {
          case "200":
            res.writeHead(200, { "content-type": "text/plain" }).end("ok");
            return;
          case "500":
            res.writeHead(500).end("down for maintenance");
            return;
          case "503":
            res.writeHead(503, { "retry-after": "120" }).end();
            return;
          case "hang":
            return;
          case "reset":
            req.socket.destroy();
            return;
          case "slowBody":
            res.writeHead(200, { "content-type": "text/plain" });
            res.write("par");
            return;
        }
      });
    });
  }
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return this;
  }
  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let t: TestDatabase;
const receivers: FlakyReceiver[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await t.drop();
});

describe("outbound receiver outage", () => {
  it(
    `delivers every message after 1 h, 6 h and 30 h outages (${MESSAGES} messages per brand)`,
    { timeout: 300_000 },
    async () => {
      const t0 = Date.now();
      const random = rng(SEED);
      const start = new Date();
      let now = start.getTime();
      const clock = () => now;

      const outages = [1, 6, 30];
      const endpoints: {
        id: string;
        secret: string;
        brandId: string;
        receiver: FlakyReceiver;
        outageHours: number;
      }[] = [];
      const brandA = await makeBrand(t.db, "Outage A");
      const brandB = await makeBrand(t.db, "Outage B");
      for (const [i, hours] of outages.entries()) {
        const receiver = await new FlakyReceiver(
          () => start.getTime() + hours * HOUR,
          clock,
          random,
        ).start();
        receivers.push(receiver);
        const brandId = i === 2 ? brandB : brandA;
        const ep = await makeEndpoint(t.db, brandId, receiver.url(), [
          "conversion.created",
          "conversion.refunded",
        ]);
        endpoints.push({ ...ep, brandId, receiver, outageHours: hours });
      }

      // Messages: conversions created, some refunded, for both brands.
      const messages = new Map<string, { brandId: string; body?: string }>();
      for (const brandId of [brandA, brandB]) {
        for (let i = 0; i < MESSAGES; i++) {
          const type = i % 4 === 3 ? "conversion.refunded" : "conversion.created";
          const { messageId } = await t.db.transaction().execute((trx) =>
            publishWebhookEvent(trx, {
              brandId,
              type,
              data: {
                id: `cv_${brandId.slice(0, 4)}_${i}`,
                amount: 1000 + i,
                currency: "usd",
                status: type === "conversion.refunded" ? "refunded" : "approved",
                coupon_code: `<script>alert(${i})</script>`,
              },
              occurredAt: new Date(start.getTime() - i * 1000),
            }),
          );
          messages.set(messageId, { brandId });
        }
      }

      // Drive the fake clock from one due attempt to the next until nothing is open.
      const deps = { config: privateConfig, timeoutMs: 60, now: () => new Date(now) };
      const outcomes: Record<string, number> = {};
      let rounds = 0;
      for (;;) {
        const next = await t.db
          .selectFrom("webhook_deliveries")
          .select("next_attempt_at")
          .where("status", "in", ["pending", "failed"])
          .orderBy("next_attempt_at")
          .executeTakeFirst();
        if (!next?.next_attempt_at) break;
        // Jump to the next due attempt, taking everything due within the following second along
        // (attempts are scheduled per delivery, milliseconds apart; a worker polls likewise).
        if (next.next_attempt_at.getTime() > now) now = next.next_attempt_at.getTime() + 1000;
        const due = await t.db
          .selectFrom("webhook_deliveries")
          .select(["id", "endpoint_id"])
          .where("status", "in", ["pending", "failed"])
          .where("next_attempt_at", "<=", new Date(now))
          .orderBy("next_attempt_at")
          .execute();
        // A failing endpoint gets one request at a time (the service's rule): one lane per endpoint.
        const lanes = new Map<string, string[]>();
        for (const d of due) lanes.set(d.endpoint_id, [...(lanes.get(d.endpoint_id) ?? []), d.id]);
        await Promise.all(
          [...lanes.values()].map(async (queue) => {
            for (const id of queue) {
              const outcome = await deliverWebhook(t.db, deps, id);
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            }
          }),
        );
        rounds++;
        if (rounds > 500)
          throw new Error(
            `deliveries still open after 500 rounds: ${JSON.stringify(outcomes)} fake hours ${(now - start.getTime()) / HOUR}`,
          );
      }
      const fakeHours = (now - start.getTime()) / HOUR;

      // ---- verdict per endpoint
      const problems: unknown[] = [];
      let requests = 0;
      let lost = 0;
      let deliveries = 0;
      const answers: Record<string, number> = {};
      for (const ep of endpoints) {
        const expected = [...messages]
          .filter(([, m]) => m.brandId === ep.brandId)
          .map(([id]) => id);
        const byId = new Map<string, (typeof ep.receiver.received)[number][]>();
        for (const r of ep.receiver.received) {
          requests++;
          answers[r.answer] = (answers[r.answer] ?? 0) + 1;
          const id = String(r.headers["webhook-id"]);
          byId.set(id, [...(byId.get(id) ?? []), r]);
          if (!verifiedBy(ep.secret, r))
            problems.push({ endpoint: ep.outageHours, id, badSignature: true });
        }
        for (const id of expected) {
          const attempts = byId.get(id) ?? [];
          const ok = attempts.filter((a) => a.answer === "200");
          deliveries++;
          if (ok.length === 0) lost++;
          if (ok.length !== 1) problems.push({ endpoint: ep.outageHours, id, accepted: ok.length });
          if (new Set(attempts.map((a) => a.body)).size > 1)
            problems.push({ endpoint: ep.outageHours, id, bodiesDiffer: true });
          if (attempts.some((a) => a.answer === "200" && a.at < ep.receiver.upAt()))
            problems.push({ id, acceptedWhileDown: true });
        }
        for (const id of byId.keys())
          if (!expected.includes(id)) problems.push({ endpoint: ep.outageHours, unknownId: id });
      }
      const open = await t.db
        .selectFrom("webhook_deliveries")
        .select("status")
        .where("status", "!=", "succeeded")
        .execute();
      expect(problems.slice(0, 10)).toEqual([]);
      expect(open).toEqual([]);
      for (const f of FAILURES) expect(answers[f] ?? 0).toBeGreaterThan(0);

      const figures = {
        seed: SEED,
        endpoints: endpoints.map((e) => ({
          outageHours: e.outageHours,
          requests: e.receiver.received.length,
        })),
        messages: messages.size,
        deliveries,
        requests,
        answers,
        outcomes,
        fakeHoursToDrain: Math.round(fakeHours * 10) / 10,
        lostMessages: lost,
        problems: problems.length,
        seconds: (Date.now() - t0) / 1000,
      };
      console.log(`[receiver-outage] ${JSON.stringify(figures)}`);
      recordFigures("receiver-outage", figures);
    },
  );
});
