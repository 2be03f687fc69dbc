/**
 * Streamed CSV export of a brand's conversions (the dashboard's "Export CSV" and
 * `GET /api/v1/conversions/export.csv`). Same filters as the lists.
 *
 * Memory stays constant whatever the size: the rows come from a server-side cursor
 * (`DECLARE ... NO SCROLL CURSOR` in a read-only transaction on one dedicated pool connection)
 * fetched in batches only when the HTTP client has read the previous ones (ReadableStream pull),
 * and each batch is turned into CSV text by a small formatter that writes exactly what
 * csv-stringify wrote (tests/conversions/csv-bytes.test.ts compares the two). Affiliate and
 * campaign names come from a per-export cache filled per batch, not from a join per row. A client abort (request.signal, or the
 * consumer cancelling the body) stops fetching, closes the cursor and returns the connection to
 * the pool.
 */
import { CompiledQuery, sql } from "kysely";
import type { DB } from "~/db/db.server";
import { type ConversionFilterSet, neutralizeCsvText } from "~/domain/conversion-report";
import { amountToInput } from "~/domain/money";
import { filteredConversions } from "./conversion-base.server";

/** Header row, in order. Amount columns are decimal strings in the row's currency. */
export const CSV_COLUMNS = [
  "id",
  "occurred_at",
  "created_at",
  "campaign_id",
  "campaign_name",
  "affiliate_id",
  "affiliate_name",
  "affiliate_email",
  "attribution_method",
  "coupon_code",
  "amount",
  "commission_amount",
  "refunded_amount",
  "currency",
  "status",
  "external_id",
  "stripe_customer_id",
  "stripe_invoice_id",
  "stripe_subscription_id",
  "stripe_checkout_session_id",
  "stripe_payment_intent_id",
] as const;

export const DEFAULT_CSV_BATCH = 5000;

/** Names cached per export (affiliate name+email, campaign name), as ready CSV cells. */
const NAME_CACHE_MAX = 20_000;

/** One row of the export cursor: the conversion's own columns (names are looked up by id). */
interface CsvSourceRow {
  id: string;
  /** timestamptz as text in UTC, ISO DateStyle: `2026-02-01 00:00:00.123456+00` */
  occurred_at: string;
  created_at: string;
  campaign_id: string | null;
  affiliate_id: string | null;
  attribution_method: string;
  coupon_code: string | null;
  amount: number | string;
  commission_amount: number | string;
  refunded_amount: number | string;
  currency: string;
  status: string;
  external_id: string | null;
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  stripe_subscription_id: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
}

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/**
 * One CSV cell exactly as csv-stringify (default options) writes a string: quoted when it holds a
 * comma, a double quote, CR or LF, with quotes doubled.
 */
export function csvCell(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(QUOTE, '""')}"` : value;
}

/** A text value: neutralised against formula injection, then quoted as needed ("" for null). */
const text = (v: string | null): string =>
  v === null || v === "" ? "" : csvCell(neutralizeCsvText(v));

const PG_UTC_TS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/;

/**
 * `2026-02-01 00:00:00.123456+00` -> `2026-02-01T00:00:00.123Z`: what `Date#toISOString()` gives
 * for the same instant (milliseconds truncated, as pg's Date parsing does), without building a
 * Date. Anything unusual (year beyond 9999, BC) goes through Date.
 */
export function isoFromPgUtc(value: string): string {
  if (!PG_UTC_TS.test(value)) {
    return new Date(value.replace(" ", "T").replace(/\+00$/, "Z")).toISOString();
  }
  // Fraction digits sit between the "." at 19 and the "+00" at the end (pg drops trailing zeros).
  const ms = value.length > 22 ? `${value.slice(20, -3)}00`.slice(0, 3) : "000";
  return `${value.slice(0, 10)}T${value.slice(11, 19)}.${ms}Z`;
}

/** The export query (newest first, like the list), compiled for the cursor. */
function exportQuery(db: DB, brandId: string, filters: ConversionFilterSet): CompiledQuery {
  return filteredConversions(db, brandId, filters)
    .select([
      "conversions.id",
      // Text in UTC (the transaction sets TimeZone): cheaper for Postgres than to_char and for
      // Node than parsing into a Date.
      sql<string>`conversions.occurred_at::text`.as("occurred_at"),
      sql<string>`conversions.created_at::text`.as("created_at"),
      "conversions.campaign_id",
      "conversions.affiliate_id",
      "conversions.attribution_method",
      "conversions.coupon_code",
      "conversions.amount",
      "conversions.commission_amount",
      "conversions.refunded_amount",
      "conversions.currency",
      "conversions.status",
      "conversions.external_id",
      "conversions.stripe_customer_id",
      "conversions.stripe_invoice_id",
      "conversions.stripe_subscription_id",
      "conversions.stripe_checkout_session_id",
      "conversions.stripe_payment_intent_id",
    ])
    .orderBy("conversions.created_at", "desc")
    .orderBy("conversions.id", "desc")
    .compile();
}

/**
 * The ids of a batch that `cache` lacks. When adding them would pass NAME_CACHE_MAX the cache is
 * emptied first and every id of the batch is returned (the batch is never served half from a
 * cleared cache).
 */
function missing(cache: Map<string, string>, ids: (string | null)[]): string[] {
  const out = new Set<string>();
  for (const id of ids) if (id !== null && !cache.has(id)) out.add(id);
  if (out.size > 0 && cache.size + out.size > NAME_CACHE_MAX) {
    cache.clear();
    for (const id of ids) if (id !== null) out.add(id);
  }
  return [...out];
}

/**
 * Affiliate and campaign names for the export, looked up per batch for the ids not seen yet (in
 * the export's snapshot, scoped to the brand) instead of a join per row: a brand has far fewer
 * affiliates than conversions. Bounded: the cache is emptied when it grows past NAME_CACHE_MAX.
 */
class NameCells {
  private affiliates = new Map<string, string>();
  private campaigns = new Map<string, string>();
  constructor(
    private trx: DB,
    private brandId: string,
  ) {}

  async load(rows: CsvSourceRow[]): Promise<void> {
    const affIds = missing(
      this.affiliates,
      rows.map((r) => r.affiliate_id),
    );
    if (affIds.length > 0) {
      const found = await this.trx
        .selectFrom("affiliates")
        .select(["id", "name", "email"])
        .where("brand_id", "=", this.brandId)
        .where("id", "=", sql<string>`any(${affIds}::uuid[])`)
        .execute();
      // Unknown to this brand: empty cells, as the left join gave.
      for (const id of affIds) this.affiliates.set(id, ",");
      for (const a of found) this.affiliates.set(a.id, `${text(a.name)},${text(a.email)}`);
    }
    const campIds = missing(
      this.campaigns,
      rows.map((r) => r.campaign_id),
    );
    if (campIds.length > 0) {
      const found = await this.trx
        .selectFrom("campaigns")
        .select(["id", "name"])
        .where("brand_id", "=", this.brandId)
        .where("id", "=", sql<string>`any(${campIds}::uuid[])`)
        .execute();
      for (const id of campIds) this.campaigns.set(id, "");
      for (const c of found) this.campaigns.set(c.id, text(c.name));
    }
  }

  affiliate(id: string | null): string {
    return id === null ? "," : (this.affiliates.get(id) ?? ",");
  }

  campaign(id: string | null): string {
    return id === null ? "" : (this.campaigns.get(id) ?? "");
  }
}

/**
 * One conversion as a CSV line (with its "\n"), byte for byte what csv-stringify made of the
 * cells before: text neutralised against formula injection, money as decimals in the row's
 * currency, timestamps as ISO 8601 UTC with milliseconds.
 */
function csvLine(r: CsvSourceRow, names: NameCells): string {
  const cur = r.currency;
  return (
    `${text(r.id)},${isoFromPgUtc(r.occurred_at)},${isoFromPgUtc(r.created_at)},` +
    `${text(r.campaign_id)},${names.campaign(r.campaign_id)},` +
    `${text(r.affiliate_id)},${names.affiliate(r.affiliate_id)},` +
    `${text(r.attribution_method)},${text(r.coupon_code)},` +
    `${csvCell(amountToInput(Number(r.amount), cur))},` +
    `${csvCell(amountToInput(Number(r.commission_amount), cur))},` +
    `${csvCell(amountToInput(Number(r.refunded_amount), cur))},` +
    `${text(cur)},${text(r.status)},${text(r.external_id)},` +
    `${text(r.stripe_customer_id)},${text(r.stripe_invoice_id)},${text(r.stripe_subscription_id)},` +
    `${text(r.stripe_checkout_session_id)},${text(r.stripe_payment_intent_id)}\n`
  );
}

class ExportCancelled extends Error {
  constructor() {
    super("CSV export cancelled by the client");
  }
}

export interface CsvStreamOptions {
  /** The request's abort signal: aborting stops the export and releases the connection. */
  signal?: AbortSignal;
  batchSize?: number;
}

/**
 * The filtered conversions as a UTF-8 CSV byte stream with a header row. Nothing touches the
 * database until the consumer first reads; each later batch is fetched only on demand.
 */
export function streamConversionsCsv(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  opts: CsvStreamOptions = {},
): ReadableStream<Uint8Array> {
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? DEFAULT_CSV_BATCH, 5000));
  const query = exportQuery(db, brandId, filters);
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let started = false;
  let cancelled = false;
  let demand = false;
  let wake: (() => void) | null = null;
  const signalDemand = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const cancel = () => {
    cancelled = true;
    signalDemand();
  };
  const onAbort = () => {
    cancel();
    try {
      controller.error(new ExportCancelled());
    } catch {
      // already closed
    }
  };

  /** Resolves once the consumer has asked for more (a pull since the last chunk). */
  const waitForDemand = async () => {
    while (!cancelled && !demand) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (cancelled) throw new ExportCancelled();
    demand = false;
  };

  const run = async () => {
    try {
      await db
        .transaction()
        // One snapshot for the cursor and the name look-ups.
        .setIsolationLevel("repeatable read")
        .setAccessMode("read only")
        .execute(async (trx) => {
          await sql`set local timezone to 'UTC'`.execute(trx);
          await sql`set local datestyle to 'ISO, MDY'`.execute(trx);
          await trx.executeQuery(
            CompiledQuery.raw(`declare rekomi_csv_export no scroll cursor for ${query.sql}`, [
              ...query.parameters,
            ]),
          );
          const names = new NameCells(trx, brandId);
          const fetchBatch = () =>
            trx.executeQuery<CsvSourceRow>(
              CompiledQuery.raw(`fetch forward ${batchSize} from rekomi_csv_export`),
            );
          let header = `${CSV_COLUMNS.map(csvCell).join(",")}\n`;
          await waitForDemand();
          let next: ReturnType<typeof fetchBatch> | null = fetchBatch();
          while (next) {
            const { rows } = await next;
            next = null;
            if (cancelled) throw new ExportCancelled();
            await names.load(rows);
            // Read ahead by exactly one batch: Postgres produces it while this one is formatted
            // and sent. At most two batches are ever held, whatever the client's speed.
            if (rows.length === batchSize) {
              next = fetchBatch();
              next.catch(() => {}); // awaited below; never an unhandled rejection if we stop early
            }
            if (rows.length > 0 || header) {
              let chunk = header;
              for (const r of rows) chunk += csvLine(r, names);
              header = "";
              controller.enqueue(encoder.encode(chunk));
            }
            if (next) await waitForDemand();
          }
          await sql`close rekomi_csv_export`.execute(trx);
        });
      controller.close();
    } catch (error) {
      if (!(error instanceof ExportCancelled)) {
        console.error("[csv-export] export failed:", error);
        try {
          controller.error(error);
        } catch {
          // the consumer is gone
        }
      }
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  };

  if (opts.signal?.aborted) cancelled = true;
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (cancelled) c.error(new ExportCancelled());
      },
      pull() {
        demand = true;
        if (!started) {
          started = true;
          void run();
        } else signalDemand();
      },
      cancel() {
        cancel();
      },
    },
    // Nothing is fetched before the client first reads, so a body nobody reads never takes a
    // connection; after that at most one batch is read ahead, so a slow client never makes the
    // server buffer more than two batches.
    { highWaterMark: 0 },
  );
}

/** `conversions-2026-03-01.csv` */
export function csvFilename(now: Date = new Date()): string {
  return `conversions-${now.toISOString().slice(0, 10)}.csv`;
}

/** The streamed export as an HTTP response (attachment, no caching). */
export function conversionsCsvResponse(
  db: DB,
  brandId: string,
  filters: ConversionFilterSet,
  opts: CsvStreamOptions & { headOnly?: boolean } = {},
): Response {
  const headers = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${csvFilename()}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (opts.headOnly) return new Response(null, { status: 200, headers });
  return new Response(streamConversionsCsv(db, brandId, filters, opts), { status: 200, headers });
}
