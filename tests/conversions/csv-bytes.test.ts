/**
 * The export's hand-written CSV formatter (no join, names cached per export, timestamps as text,
 * one batch read ahead) must give byte for byte what the first implementation gave: a join per row,
 * pg Dates through toISOString, and csv-stringify. The reference below is that implementation,
 * kept here as the oracle.
 */
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../app/db/db.server";
import { neutralizeCsvText } from "../../app/domain/conversion-report";
import { amountToInput } from "../../app/domain/money";
import { streamConversionsCsv } from "../../app/services/conversions/csv-export.server";
import {
  CSV_COLUMNS,
  csvCell,
  isoFromPgUtc,
} from "../../app/services/conversions/csv-format.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  affiliateFor,
  brandWorld,
  type BrandWorld,
  campaignFor,
  insertConversion,
} from "./fixtures";

/** The original export: one query with joins, csv-stringify per batch. */
async function referenceCsv(db: DB, brandId: string): Promise<string> {
  const { rows } = await sql<Record<string, unknown>>`
    select c.id, c.occurred_at, c.created_at, c.campaign_id, cp.name as campaign_name, c.affiliate_id,
           a.name as affiliate_name, a.email as affiliate_email, c.attribution_method, c.coupon_code, c.amount,
           c.commission_amount, c.refunded_amount, c.currency, c.status, c.external_id, c.stripe_customer_id,
           c.stripe_invoice_id, c.stripe_subscription_id, c.stripe_checkout_session_id, c.stripe_payment_intent_id
      from conversions c
      left join affiliates a on a.id = c.affiliate_id and a.brand_id = c.brand_id
      left join campaigns cp on cp.id = c.campaign_id and cp.brand_id = c.brand_id
     where c.brand_id = ${brandId}
     order by c.created_at desc, c.id desc`.execute(db);
  const t = (v: unknown) => neutralizeCsvText(v as string | null);
  const iso = (d: unknown) => new Date(d as Date).toISOString();
  const records = rows.map((r) => {
    const money = (v: unknown) => amountToInput(Number(v), r.currency as string);
    return [
      t(r.id),
      iso(r.occurred_at),
      iso(r.created_at),
      t(r.campaign_id),
      t(r.campaign_name),
      t(r.affiliate_id),
      t(r.affiliate_name),
      t(r.affiliate_email),
      t(r.attribution_method),
      t(r.coupon_code),
      money(r.amount),
      money(r.commission_amount),
      money(r.refunded_amount),
      t(r.currency),
      t(r.status),
      t(r.external_id),
      t(r.stripe_customer_id),
      t(r.stripe_invoice_id),
      t(r.stripe_subscription_id),
      t(r.stripe_checkout_session_id),
      t(r.stripe_payment_intent_id),
    ];
  });
  return stringify([[...CSV_COLUMNS]]) + (records.length ? stringify(records) : "");
}

async function exportText(db: DB, brandId: string, batchSize?: number): Promise<string> {
  return new Response(streamConversionsCsv(db, brandId, {}, { batchSize })).text();
}

describe("CSV export bytes", () => {
  let t: TestDatabase;
  let w: BrandWorld;
  let stranger: BrandWorld;

  beforeAll(async () => {
    t = await createTestDatabase();
    w = await brandWorld(t.db, "Bytes");
    stranger = await brandWorld(t.db, "Stranger");
    const names = [
      '=HYPERLINK("http://evil.example","click")',
      'O\'Brien, "Bob"\nJr. Zoë',
      "-minus",
      "+plus",
      "@at",
      "\ttab",
      "line\r\nbreak",
      "plain 名前 😀",
      'quote"only',
      "comma,only",
    ];
    const affs = [];
    for (const n of names) affs.push(await affiliateFor(t.db, w.brandId, w.campaignId, n));
    const camp2 = await campaignFor(t.db, w.brandId, '=cmd,"Camp"');
    const stamps = [
      "2026-02-01T00:00:00Z",
      "2026-02-01T00:00:00.5Z",
      "2026-02-01T00:00:00.05Z",
      "2026-02-01T00:00:00.999999Z",
      "2026-02-01T00:00:00.123456Z",
      "2026-02-01T00:00:00.000001Z",
      "2026-02-01T00:00:00.29Z",
      "1999-12-31T23:59:59.999Z",
    ];
    const currencies = ["usd", "jpy", "kwd", "eur"];
    let i = 0;
    for (const stamp of stamps) {
      for (const a of affs) {
        i++;
        const s2s = i % 5 === 0;
        await insertConversion(t.db, {
          brand_id: w.brandId,
          campaign_id: i % 7 === 0 ? null : i % 3 === 0 ? camp2 : w.campaignId,
          affiliate_id: i % 11 === 0 ? null : i % 13 === 0 ? stranger.affiliateId : a,
          attribution_method: s2s ? "s2s" : i % 2 ? "coupon" : "link",
          coupon_code: i % 2 && !s2s ? (i % 4 === 1 ? "-DASH" : `CODE,${i}`) : null,
          external_id: s2s ? (i % 10 === 0 ? `=ext"${i}"` : `ext-${i}`) : null,
          amount: i * 997,
          commission_amount: i % 6 === 0 ? -(i * 3) : i * 199,
          refunded_amount: i % 4 === 0 ? i * 10 : 0,
          status: i % 4 === 0 ? "partially_refunded" : "approved",
          currency: currencies[i % currencies.length],
          stripe_payment_intent_id: i % 9 === 0 ? "pi_\nnewline" : null,
          occurred_at: new Date(Date.parse(stamp) - i * 1000),
          // Microsecond timestamps must go in as text (a JS Date keeps only milliseconds).
          created_at: sql`${stamp}::timestamptz + make_interval(secs => ${i})`,
        });
      }
    }
  });
  afterAll(async () => {
    await t.drop();
  });

  it("equals the reference implementation byte for byte, for every batch size", async () => {
    const expected = await referenceCsv(t.db, w.brandId);
    expect(expected.split("\n").length).toBeGreaterThan(80);
    for (const batch of [1, 3, 7, 80, 5000]) {
      expect(await exportText(t.db, w.brandId, batch)).toBe(expected);
    }
  });

  it("equals the reference for an empty export", async () => {
    const empty = await brandWorld(t.db, "Empty");
    expect(await exportText(t.db, empty.brandId)).toBe(await referenceCsv(t.db, empty.brandId));
  });

  it("is the same whatever the session time zone", async () => {
    await sql`alter database ${sql.id(new URL(t.url).pathname.slice(1))} set timezone to 'America/St_Johns'`.execute(
      t.db,
    );
    // fresh connections pick up the database default
    const { createPool, createDb } = await import("../../app/db/db.server");
    const db = createDb(createPool(t.url, 2));
    try {
      expect((await sql<{ tz: string }>`show timezone`.execute(db)).rows[0]).toEqual({
        TimeZone: "America/St_Johns",
      });
      expect(await exportText(db, w.brandId, 50)).toBe(await referenceCsv(db, w.brandId));
    } finally {
      await db.destroy();
    }
  });

  it("csvCell quotes exactly like csv-stringify", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", " ", "é", "=", "-", "'") }),
        (s) => {
          const ours = s === "" ? "" : csvCell(s);
          expect(`${ours}\n`).toBe(stringify([[s]]));
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ours = s === "" ? "" : csvCell(s);
        expect(`${ours}\n`).toBe(stringify([[s]]));
      }),
      { numRuns: 2000 },
    );
  });

  it("isoFromPgUtc equals pg's Date parsing + toISOString for every fraction length", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.integer({ min: 0, max: 999 }),
        (ms, extra) => {
          const d = new Date(ms);
          const base = d.toISOString().replace("T", " ").slice(0, 19);
          const micros = String(d.getUTCMilliseconds() * 1000 + extra)
            .padStart(6, "0")
            .replace(/0+$/, "");
          const text = `${base}${micros ? `.${micros}` : ""}+00`;
          expect(isoFromPgUtc(text)).toBe(d.toISOString());
        },
      ),
      { numRuns: 5000 },
    );
  });
});
