import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateWebhookSecret } from "../../app/services/webhooks/webhook-endpoints.server";
import {
  deliverWebhook,
  publishWebhookEvent,
} from "../../app/services/webhooks/webhook-messages.server";
import { listDeliveries } from "../../app/services/webhooks/webhook-delivery-log.server";
import { resendMessage, sendTestEvent } from "../../app/services/webhooks/webhook-resend.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  deliveriesOf,
  guardedConfig,
  makeBrand,
  makeEndpoint,
  privateConfig,
  Receiver,
  Scheduler,
  verifiedBy,
} from "./helpers";

const conversion = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  campaign_id: "5b0e7a2e-0000-4000-8000-000000000001",
  affiliate_id: "5b0e7a2e-0000-4000-8000-000000000002",
  attribution_method: "coupon",
  coupon_code: "ALEX20",
  amount: 4900,
  currency: "usd",
  commission_amount: 980,
  refunded_amount: 0,
  status: "approved",
  ...extra,
});

describe("outbound webhook delivery", () => {
  let t: TestDatabase;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await t.drop();
  });

  it("survives 500, timeout, reset, slow body and 429 + Retry-After, then delivers with one webhook-id", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.script = [
      { kind: "status", status: 500, body: "boom" },
      { kind: "hang" },
      { kind: "reset" },
      { kind: "slowBody" },
      { kind: "status", status: 429, headers: { "retry-after": String(7 * 3600) } },
    ];
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    const { messageId } = await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("c1") }),
      );
    const s = new Scheduler(t.db, { config: privateConfig, timeoutMs: 300 });
    const times: Date[] = [];
    for (let i = 0; i < 6; i++) {
      expect(await s.advance()).toBe(true);
      times.push(s.now);
      expect(await s.runDue()).toHaveLength(1);
    }
    expect(await s.advance()).toBe(false);

    expect(r.received).toHaveLength(6);
    for (const req of r.received) {
      expect(req.headers["webhook-id"]).toBe(messageId);
      expect(verifiedBy(endpoint.secret, req)).toBe(true);
      expect(JSON.parse(req.body)).toMatchObject({
        type: "conversion.created",
        data: { id: "c1" },
      });
    }
    // identical bytes on every retry; the timestamp is the attempt's
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(new Set(r.received.map((x) => x.headers["webhook-timestamp"])).size).toBe(6);

    // schedule: immediately, 5 s, 5 min, 30 min, 2 h; then Retry-After 7 h beats the scheduled 5 h
    const gaps = times.slice(1).map((d, i) => d.getTime() - times[i].getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(5_000);
    expect(gaps[0]).toBeLessThan(7_000);
    expect(Math.round(gaps[1] / 60_000)).toBe(5);
    expect(Math.round(gaps[2] / 60_000)).toBe(30);
    expect(Math.round(gaps[3] / 3_600_000)).toBe(2);
    expect(Math.round(gaps[4] / 3_600_000)).toBe(7);

    const [delivery] = await deliveriesOf(t.db, endpoint.id);
    expect(delivery).toMatchObject({
      status: "succeeded",
      attempt_count: 6,
      next_attempt_at: null,
    });
    const log = await listDeliveries(t.db, { brandId, endpointId: endpoint.id });
    const attempts = [...log.deliveries[0].attempts].reverse();
    expect(attempts.map((a) => a.statusCode)).toEqual([500, null, null, 200, 429, 200]);
    expect(attempts.map((a) => a.succeeded)).toEqual([false, false, false, false, false, true]);
    expect(attempts[0].responseSnippet).toBe("boom");
    expect(attempts[1].error).toMatch(/Timed out/);
    expect(attempts[2].error).toMatch(/reset|hang up/i);
    expect(attempts[3].error).toMatch(/reading the response body/);
    expect(attempts[4].error).toBe("HTTP 429");
    const ep = await t.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", endpoint.id)
      .executeTakeFirstOrThrow();
    expect(ep.failing_since).toBeNull();
  });

  it("acceptance: a receiver answering 500 three times gets each event exactly once, logged", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.script = [
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
    ];
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    const created = await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("cv_1") }),
      );
    const refunded = await t.db.transaction().execute((trx) =>
      publishWebhookEvent(trx, {
        brandId,
        type: "conversion.refunded",
        data: conversion("cv_1", { refunded_amount: 4900, status: "refunded" }),
      }),
    );
    await new Scheduler(t.db, { config: privateConfig }).drain();

    const messages = await t.db
      .selectFrom("webhook_messages")
      .select(["id", "event_type"])
      .where("brand_id", "=", brandId)
      .execute();
    expect(messages.map((m) => m.event_type).sort()).toEqual([
      "conversion.created",
      "conversion.refunded",
    ]);
    const successes = r.received.slice(3);
    expect(successes).toHaveLength(2);
    expect(successes.map((x) => x.headers["webhook-id"]).sort()).toEqual(
      [created.messageId, refunded.messageId].sort(),
    );
    for (const req of r.received) expect(verifiedBy(endpoint.secret, req)).toBe(true);

    const log = await listDeliveries(t.db, { brandId, endpointId: endpoint.id });
    expect(log.deliveries).toHaveLength(2);
    const failed = log.deliveries.flatMap((d) => d.attempts.filter((a) => !a.succeeded));
    expect(failed).toHaveLength(3);
    expect(failed.every((a) => a.statusCode === 500)).toBe(true);
    for (const d of log.deliveries) {
      expect(d.status).toBe("succeeded");
      expect(d.attempts.filter((a) => a.succeeded)).toHaveLength(1);
    }
  });

  it("410 Gone disables the endpoint with a visible reason and cancels its open deliveries", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.fallback = { kind: "status", status: 410 };
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    for (const id of ["a", "b"]) {
      await t.db
        .transaction()
        .execute((trx) =>
          publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion(id) }),
        );
    }
    const [first] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: privateConfig }, first.id)).toBe(
      "endpoint_disabled",
    );
    const ep = await t.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", endpoint.id)
      .executeTakeFirstOrThrow();
    expect(ep.enabled).toBe(false);
    expect(ep.disabled_reason).toMatch(/410 Gone/);
    expect((await deliveriesOf(t.db, endpoint.id)).map((d) => d.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
    expect(r.received).toHaveLength(1);
    // The brand's owners are told (issue 14): a notification job in the same transaction.
    const { rows: notify } = await sql<{ payload: unknown }>`
      select j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'notifications__send'`.execute(t.db);
    expect(notify.map((n) => n.payload)).toEqual([
      { kind: "webhook_disabled", endpointId: endpoint.id },
    ]);
    // new events no longer go to a disabled endpoint
    const later = await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("c") }),
      );
    expect(later.deliveryIds).toEqual([]);
  });

  it("does not follow redirects: a 3xx is a failed attempt", async () => {
    const brandId = await makeBrand(t.db);
    const target = await receiver();
    const r = await receiver();
    r.script = [{ kind: "redirect", location: target.url("/elsewhere") }];
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("r") }),
      );
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: privateConfig }, d.id)).toBe("retry_scheduled");
    expect(target.received).toHaveLength(0);
    const log = await listDeliveries(t.db, { brandId, endpointId: endpoint.id });
    expect(log.deliveries[0]).toMatchObject({ status: "failed", lastStatusCode: 302 });
    expect(log.deliveries[0].attempts[0].error).toMatch(/Redirect \(302\) not followed/);
  });

  it("gives up after about 3 days of failures (exhausted)", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.fallback = { kind: "status", status: 500 };
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("x") }),
      );
    const s = new Scheduler(t.db, { config: privateConfig });
    const start = s.now;
    await s.drain();
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(d.status).toBe("exhausted");
    expect(d.attempt_count).toBe(12);
    const spanH = (s.now.getTime() - start.getTime()) / 3_600_000;
    expect(spanH).toBeGreaterThan(60);
    expect(spanH).toBeLessThanOrEqual(72);
  });

  it("disables an endpoint that has failed continuously for 5 days", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.fallback = { kind: "status", status: 503 };
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    const now = new Date();
    await t.db
      .updateTable("webhook_endpoints")
      .set({ failing_since: new Date(now.getTime() - 5 * 864e5 - 1000) })
      .where("id", "=", endpoint.id)
      .execute();
    await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.updated", data: conversion("p") }),
      );
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: privateConfig, now: () => now }, d.id)).toBe(
      "endpoint_disabled",
    );
    const ep = await t.db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", endpoint.id)
      .executeTakeFirstOrThrow();
    expect(ep.enabled).toBe(false);
    expect(ep.disabled_reason).toMatch(/failed since .* \(5 days\)\. Last error: HTTP 503/);
  });

  it("publishing inside a rolled-back transaction leaves no message, delivery or job", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    await makeEndpoint(t.db, brandId, r.url());
    const count = async () => {
      const { rows } = await sql<{ m: number; d: number; j: number }>`
        select (select count(*) from webhook_messages where brand_id = ${brandId})::int as m,
               (select count(*) from webhook_deliveries where brand_id = ${brandId})::int as d,
               (select count(*) from graphile_worker.jobs)::int as j`.execute(t.db);
      return rows[0];
    };
    const before = await count();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await publishWebhookEvent(trx, {
          brandId,
          type: "conversion.created",
          data: conversion("rb"),
        });
        throw new Error("attribution failed");
      }),
    ).rejects.toThrow("attribution failed");
    expect(await count()).toEqual(before);
  });

  it("only subscribed, enabled endpoints of the same brand get a delivery", async () => {
    const brandId = await makeBrand(t.db);
    const other = await makeBrand(t.db);
    const r = await receiver();
    const created = await makeEndpoint(t.db, brandId, r.url("/a"), ["conversion.created"]);
    const refunds = await makeEndpoint(t.db, brandId, r.url("/b"), ["conversion.refunded"]);
    await makeEndpoint(t.db, other, r.url("/c"));
    const res = await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.refunded", data: conversion("s") }),
      );
    expect(res.deliveryIds).toHaveLength(1);
    expect(await deliveriesOf(t.db, created.id)).toHaveLength(0);
    expect(await deliveriesOf(t.db, refunds.id)).toHaveLength(1);
    await expect(
      t.db
        .transaction()
        .execute((trx) =>
          publishWebhookEvent(trx, { brandId, type: "conversion.deleted" as never, data: {} }),
        ),
    ).rejects.toThrow(/Unknown webhook event type/);
  });

  it("sends both signatures during the 24 h rotation overlap, then only the new one", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    const rotated = await rotateWebhookSecret(
      t.db,
      { config: privateConfig },
      { brandId, endpointId: endpoint.id },
    );
    expect(rotated?.secret).toMatch(/^whsec_/);
    expect(rotated?.secret).not.toBe(endpoint.secret);
    const sent = await sendTestEvent(t.db, { brandId, endpointId: endpoint.id });
    expect(sent).toMatchObject({ ok: true });
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: privateConfig }, d.id)).toBe("succeeded");
    const req = r.received[0];
    expect(String(req.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // a receiver still on the old secret and one already on the new secret both verify
    expect(verifiedBy(endpoint.secret, req)).toBe(true);
    expect(verifiedBy(rotated!.secret, req)).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({ type: "webhook.test", data: { test: true } });

    // 25 h later the old secret no longer signs
    const later = new Date(Date.now() + 25 * 3_600_000);
    const resent = await resendMessage(t.db, {
      brandId,
      messageId: sent && sent.ok ? sent.messageId : "",
      now: later,
    });
    expect(resent).toEqual({ ok: true, queued: 1 });
    expect(await deliverWebhook(t.db, { config: privateConfig, now: () => later }, d.id)).toBe(
      "succeeded",
    );
    const second = r.received[1];
    expect(second.headers["webhook-id"]).toBe(req.headers["webhook-id"]);
    expect(String(second.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verifiedBy(rotated!.secret, second)).toBe(true);
    expect(verifiedBy(endpoint.secret, second)).toBe(false);
  });

  it("resend to a specific endpoint creates its delivery with the same webhook-id", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    const first = await makeEndpoint(t.db, brandId, r.url("/one"));
    const { messageId } = await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("rs") }),
      );
    const second = await makeEndpoint(t.db, brandId, r.url("/two"));
    expect(await resendMessage(t.db, { brandId, messageId, endpointId: second.id })).toEqual({
      ok: true,
      queued: 1,
    });
    await new Scheduler(t.db, { config: privateConfig }).drain();
    expect(r.received.map((x) => x.path).sort()).toEqual(["/one", "/two"]);
    expect(new Set(r.received.map((x) => x.headers["webhook-id"]))).toEqual(new Set([messageId]));
    expect(
      verifiedBy(
        first.secret,
        r.received.find((x) => x.path === "/one")!,
      ),
    ).toBe(true);
    expect(
      verifiedBy(
        second.secret,
        r.received.find((x) => x.path === "/two")!,
      ),
    ).toBe(true);
    // another brand cannot resend it
    const other = await makeBrand(t.db);
    expect(await resendMessage(t.db, { brandId: other, messageId })).toBeNull();
  });

  it("refuses at connect time a host name that resolves to loopback when the guard is on", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    // saved while the guard was off; delivered with the guard on
    const endpoint = await makeEndpoint(t.db, brandId, `http://localhost:${r.port}/hooks`);
    await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("g") }),
      );
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: guardedConfig }, d.id)).toBe("retry_scheduled");
    expect(r.received).toHaveLength(0);
    const log = await listDeliveries(t.db, { brandId, endpointId: endpoint.id });
    expect(log.deliveries[0].attempts[0].error).toMatch(/not allowed|Refused/);
  });

  it("reads at most the response cap and stores a 1 KB snippet", async () => {
    const brandId = await makeBrand(t.db);
    const r = await receiver();
    r.script = [{ kind: "status", status: 200, body: "é".repeat(50_000) }];
    const endpoint = await makeEndpoint(t.db, brandId, r.url());
    await t.db
      .transaction()
      .execute((trx) =>
        publishWebhookEvent(trx, { brandId, type: "conversion.created", data: conversion("big") }),
      );
    const [d] = await deliveriesOf(t.db, endpoint.id);
    expect(await deliverWebhook(t.db, { config: privateConfig }, d.id)).toBe("succeeded");
    const log = await listDeliveries(t.db, { brandId, endpointId: endpoint.id });
    const snippet = log.deliveries[0].attempts[0].responseSnippet!;
    expect(Buffer.byteLength(snippet)).toBeLessThanOrEqual(1024);
    expect(snippet.startsWith("éé")).toBe(true);
  });
});
