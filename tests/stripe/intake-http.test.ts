/**
 * `POST /webhooks/stripe/{brandId}` over real HTTP through the hot-path listener that server.ts
 * puts in front of express (app/http/hot-paths.server.ts): the same bytes as the Remix route
 * behind it for every answer, the body-size cap, 503 on an unavailable database, and many
 * concurrent deliveries sharing statements (group commit) with every one stored exactly once.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "../../app/db/db.server";
import { intakeWriterStats } from "../../app/services/stripe-events/store-events.server";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  normalized,
  rawRequest,
  startHotPathServers,
  type HotPathServers,
} from "../links/hot-path-server";
import { counts, createBrand, insertConnection, makeEvent, sign } from "./helpers";

const SECRET = "whsec_intakeHttpSecret0123456789abcdef";

describe("POST /webhooks/stripe/{brandId} in front of express", () => {
  let t: TestDatabase;
  let s: HotPathServers;
  let brandId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    brandId = await createBrand(t.db, "HTTP Intake");
    await insertConnection(testContext(t.db), brandId, { webhookSecret: SECRET });
    s = await startHotPathServers(testContext(t.db));
  });
  afterAll(async () => {
    await s?.close();
    await t?.drop();
  });

  const path = (brand = brandId) => `/webhooks/stripe/${brand}`;
  const signed = (body: string, extra: Record<string, string> = {}) => ({
    "Content-Type": "application/json",
    "Stripe-Signature": sign(body, SECRET),
    ...extra,
  });

  /** Each server gets its own event (same shape), so neither sees the other's as a duplicate. */
  async function compare(
    make: () => { path: string; headers: Record<string, string>; body?: string | Buffer },
    method = "POST",
  ) {
    const a = make();
    const b = make();
    const hot = await rawRequest(s.hot, method, a.path, a.headers, a.body);
    const plain = await rawRequest(s.plain, method, b.path, b.headers, b.body);
    expect(normalized(hot)).toEqual(normalized(plain));
    return { hot, plain };
  }

  it.each([
    ["a new event", {}],
    ["a new event, gzip accepted (the JSON answer is compressed)", { "Accept-Encoding": "gzip" }],
  ])("%s: 200, the same bytes as the Remix route", async (_name, extra) => {
    s.fellThrough.length = 0;
    const { hot } = await compare(() => {
      const body = JSON.stringify(makeEvent());
      return { path: path(), headers: signed(body, extra), body };
    });
    expect(hot.status).toBe(200);
    expect(s.fellThrough).toEqual([`POST ${path()}`]); // only the plain server's request
  });

  it("a duplicate: 200 duplicate, the same bytes", async () => {
    const e1 = JSON.stringify(makeEvent());
    const e2 = JSON.stringify(makeEvent());
    await rawRequest(s.hot, "POST", path(), signed(e1), e1);
    await rawRequest(s.plain, "POST", path(), signed(e2), e2);
    const hot = await rawRequest(s.hot, "POST", path(), signed(e1), e1);
    const plain = await rawRequest(s.plain, "POST", path(), signed(e2), e2);
    expect(normalized(hot)).toEqual(normalized(plain));
    expect(JSON.parse(hot.body.toString())).toEqual({ received: true, duplicate: true });
  });

  it.each([
    [
      "a bad signature",
      () => ({
        path: path(),
        headers: { "Stripe-Signature": sign("other", SECRET) },
        body: JSON.stringify(makeEvent()),
      }),
      400,
    ],
    ["no signature", () => ({ path: path(), headers: {}, body: JSON.stringify(makeEvent()) }), 400],
    [
      "a body that is not JSON",
      () => ({ path: path(), headers: signed("nope"), body: "nope" }),
      400,
    ],
    [
      "an unknown brand",
      () => ({ path: path(randomUUID()), headers: signed("{}"), body: "{}" }),
      404,
    ],
    [
      "a brand id that is not a uuid",
      () => ({ path: path("not-a-brand"), headers: signed("{}"), body: "{}" }),
      404,
    ],
    [
      "a declared body over 1 MB",
      () => ({
        path: path(),
        headers: { "Content-Length": String(1024 * 1024 + 1) },
        body: Buffer.alloc(1024 * 1024 + 1, 0x20),
      }),
      413,
    ],
  ] as const)(
    "%s: the same answer as the Remix route, nothing stored",
    async (_name, make, status) => {
      const before = await counts(t.db);
      const { hot } = await compare(make);
      expect(hot.status).toBe(status);
      expect(JSON.parse(hot.body.toString())).toEqual({ error: expect.any(String) });
      expect(await counts(t.db)).toEqual(before);
    },
  );

  it("a chunked body (no Content-Length) over 1 MB: 413 once the count passes the limit, nothing stored", async () => {
    const before = await counts(t.db);
    async function* chunks() {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 0x20);
    }
    const hot = await rawRequest(
      s.hot,
      "POST",
      path(),
      { "Stripe-Signature": sign("x", SECRET) },
      chunks(),
    );
    const plain = await rawRequest(
      s.plain,
      "POST",
      path(),
      { "Stripe-Signature": sign("x", SECRET) },
      chunks(),
    );
    expect(hot.status).toBe(413);
    expect(normalized(hot)).toEqual(normalized(plain));
    expect(await counts(t.db)).toEqual(before);
  });

  it("a body of exactly 1 MB is accepted", async () => {
    const base = JSON.stringify(makeEvent({ data: { object: { id: "in_fill", filler: "" } } }));
    const body = base.replace('"filler":""', `"filler":"${"y".repeat(1024 * 1024 - base.length)}"`);
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    const r = await rawRequest(s.hot, "POST", path(), signed(body), body);
    expect(r.status).toBe(200);
  });

  it.each(["GET", "PUT"])("leaves %s to the app (the route's 405)", async (method) => {
    s.fellThrough.length = 0;
    const { hot } = await compare(
      () => ({ path: path(), headers: {}, body: method === "GET" ? undefined : "{}" }),
      method,
    );
    expect(hot.status).toBe(405);
    expect(s.fellThrough).toEqual([`${method} ${path()}`, `${method} ${path()}`]);
  });

  it("answers 503 with Retry-After when the database is unavailable, like the route", async () => {
    const pool = createPool("postgres://postgres:postgres@127.0.0.1:1/nothing", 1);
    const broken = testContext(createDb(pool));
    const servers = await startHotPathServers(broken);
    try {
      const body = JSON.stringify(makeEvent());
      const hot = await rawRequest(servers.hot, "POST", path(), signed(body), body);
      const plain = await rawRequest(servers.plain, "POST", path(), signed(body), body);
      expect(hot.status).toBe(503);
      expect(hot.headers).toContain("retry-after: 30");
      expect(normalized(hot)).toEqual(normalized(plain));
    } finally {
      await servers.close();
      await pool.end().catch(() => {});
    }
  });

  it("60 concurrent deliveries (some repeated) share statements; each event stored once with one job", async () => {
    const before = await counts(t.db);
    const stats0 = { ...intakeWriterStats(t.db) };
    const events = Array.from({ length: 50 }, () => JSON.stringify(makeEvent()));
    const deliveries = [...events, ...events.slice(0, 10)];
    const answers = await Promise.all(
      deliveries.map((body) => rawRequest(s.hot, "POST", path(), signed(body), body)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    const duplicates = answers.filter(
      (a) => JSON.parse(a.body.toString()).duplicate === true,
    ).length;
    expect(duplicates).toBe(10);
    expect(await counts(t.db)).toEqual({ events: before.events + 50, jobs: before.jobs + 50 });
    const stats = intakeWriterStats(t.db);
    expect(stats.items - stats0.items).toBe(60);
    // Fewer statements than deliveries: they were grouped.
    expect(stats.flushes - stats0.flushes).toBeLessThan(60);
  });
});
