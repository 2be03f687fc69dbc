/**
 * Group commit (app/db/group-commit.server.ts): the generic writer, and the referral clicks
 * written through it: many concurrent visits share statements, each visitor gets an id that is
 * already committed, and one failing visit fails alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupCommitWriter } from "../../app/db/group-commit.server";
import { clickWriterStats, followReferralLink } from "../../app/services/attribution/clicks.server";
import { deleteCampaign } from "../../app/services/campaigns/campaigns.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { BROWSER_UA, brandWithCampaign, enrolledAffiliate } from "./helpers";

const tick = () => new Promise((r) => setImmediate(r));

/** A writer over an in-memory "table" whose flushes are recorded and can be held open. */
function fakeWriter(
  opts: { maxBatch?: number; maxWeight?: number; fail?: (items: string[]) => Error | null } = {},
) {
  const flushes: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const writer = new GroupCommitWriter<string, string>(
    async (items) => {
      flushes.push(items);
      await gate;
      const error = opts.fail?.(items);
      if (error) throw error;
      return items.map((i) => i.toUpperCase());
    },
    { maxBatch: opts.maxBatch ?? 100, weight: (i) => i.length, maxWeight: opts.maxWeight },
  );
  return {
    writer,
    flushes,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      open();
    },
  };
}

describe("GroupCommitWriter", () => {
  it("writes what arrives together in one flush and answers each caller with its own result", async () => {
    const f = fakeWriter();
    const results = await Promise.all(["a", "b", "c"].map((x) => f.writer.write(x)));
    expect(results).toEqual(["A", "B", "C"]);
    expect(f.flushes).toEqual([["a", "b", "c"]]);
  });

  it("queues writes while a flush is in flight and writes them all in the next one", async () => {
    const f = fakeWriter();
    f.hold();
    const first = f.writer.write("a");
    await tick();
    expect(f.flushes).toEqual([["a"]]);
    let settled = false;
    const later = Promise.all(["b", "c", "d"].map((x) => f.writer.write(x))).then(
      (r) => ((settled = true), r),
    );
    await tick();
    // Nothing is answered before its own flush completed.
    expect(f.flushes).toEqual([["a"]]);
    expect(settled).toBe(false);
    f.release();
    expect(await first).toBe("A");
    expect(await later).toEqual(["B", "C", "D"]);
    expect(f.flushes).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("respects the batch size and weight limits (one heavy item always goes alone)", async () => {
    const f = fakeWriter({ maxBatch: 2, maxWeight: 5 });
    await Promise.all(["a", "b", "c", "dddddddd", "ee", "ff"].map((x) => f.writer.write(x)));
    expect(f.flushes).toEqual([["a", "b"], ["c"], ["dddddddd"], ["ee", "ff"]]);
  });

  it("isolates a failing item: the batch is retried one by one and only that caller fails", async () => {
    const f = fakeWriter({
      fail: (items) => (items.includes("bad") ? new Error("bad row") : null),
    });
    const results = await Promise.allSettled(["a", "bad", "c"].map((x) => f.writer.write(x)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error("bad row"));
    expect(f.flushes).toEqual([["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
    expect(f.writer.stats.isolatedRetries).toBe(1);
  });

  it("fails the whole batch at once when the database is unavailable (no retries one by one)", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
    });
    const f = fakeWriter({ fail: () => down });
    const results = await Promise.allSettled(["a", "b"].map((x) => f.writer.write(x)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(f.flushes).toEqual([["a", "b"]]);
  });

  it("treats a flush that returns the wrong number of results as a failure, never a wrong answer", async () => {
    const writer = new GroupCommitWriter<string, string>(async () => [], { maxBatch: 10 });
    const results = await Promise.allSettled([writer.write("a"), writer.write("b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});

describe("referral clicks through group commit", () => {
  let t: TestDatabase;
  const deps = { ipSalt: "group-commit-test-salt-0123456789" };
  const visit = (code: string, extra: { referrer?: string } = {}) =>
    followReferralLink(t.db, deps, {
      code,
      method: "GET",
      userAgent: BROWSER_UA,
      referrer: extra.referrer ?? null,
      ip: "198.51.100.4",
    });

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("40 concurrent visits: 40 distinct committed clicks, written in fewer statements", async () => {
    const { campaign } = await brandWithCampaign(t.db, "Concurrent");
    const codes = await Promise.all(
      [0, 1, 2, 3].map(async () => (await enrolledAffiliate(t.db, campaign)).enrollment.link_code),
    );
    const stats0 = { ...clickWriterStats(t.db) };
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => visit(codes[i % 4])));
    const ids = results.map((r) => (r.kind === "redirect" ? r.clickId : null));
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(40);
    const rows = await t.db
      .selectFrom("clicks")
      .select(["id", "enrollment_id"])
      .where("id", "in", ids as string[])
      .execute();
    expect(rows).toHaveLength(40);
    const stats = clickWriterStats(t.db);
    expect(stats.items - stats0.items).toBe(40);
    expect(stats.flushes - stats0.flushes).toBeLessThan(40);
  });

  it("a visit whose row cannot be stored fails alone; the others in its batch are recorded", async () => {
    const { campaign } = await brandWithCampaign(t.db, "Poison");
    const code = (await enrolledAffiliate(t.db, campaign)).enrollment.link_code;
    await visit(code); // the link is now cached: the next visits go straight to the writer
    const stats0 = { ...clickWriterStats(t.db) };
    // PostgreSQL text cannot hold U+0000 (HTTP cannot carry it either; a direct caller could).
    const results = await Promise.allSettled([
      visit(code),
      visit(code, { referrer: "bad\u0000referrer" }),
      visit(code),
      visit(code),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const ids = results.flatMap((r) =>
      r.status === "fulfilled" && r.value.kind === "redirect" ? [r.value.clickId!] : [],
    );
    expect(
      await t.db.selectFrom("clicks").select("id").where("id", "in", ids).execute(),
    ).toHaveLength(3);
    expect(clickWriterStats(t.db).isolatedRetries).toBeGreaterThan(stats0.isolatedRetries);
  });

  it("a link deleted after it was cached: that visit is a 404, the others in the batch still count", async () => {
    const { brand, campaign: doomed } = await brandWithCampaign(t.db, "Doomed batch");
    const { campaign: alive } = await brandWithCampaign(t.db, "Alive batch");
    const doomedCode = (await enrolledAffiliate(t.db, doomed)).enrollment.link_code;
    const aliveCode = (await enrolledAffiliate(t.db, alive)).enrollment.link_code;
    await Promise.all([visit(doomedCode), visit(aliveCode)]); // both cached
    expect(await deleteCampaign(t.db, brand.brandId, doomed.id)).toBe(true);
    const [gone, ok1, ok2] = await Promise.all([
      visit(doomedCode),
      visit(aliveCode),
      visit(aliveCode),
    ]);
    expect(gone).toEqual({ kind: "not_found" });
    for (const r of [ok1, ok2]) {
      expect(r.kind).toBe("redirect");
      const id = r.kind === "redirect" ? r.clickId! : "";
      expect(
        await t.db.selectFrom("clicks").select("id").where("id", "=", id).executeTakeFirst(),
      ).toEqual({ id });
    }
  });
});
