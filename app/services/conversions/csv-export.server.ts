/**
 * Streamed CSV export of a brand's conversions (the dashboard's "Export CSV" and
 * `GET /api/v1/conversions/export.csv`). Same filters as the lists.
 *
 * Memory stays constant whatever the size: the rows come from a server-side cursor
 * (`DECLARE ... NO SCROLL CURSOR` in a read-only transaction on one dedicated pool connection)
 * fetched in batches only when the HTTP client has read the previous ones (ReadableStream pull),
 * and each batch is turned into CSV text by csv-format.server.ts (exactly what csv-stringify
 * wrote; names from a per-export cache, not a join per row). A client abort (request.signal, or
 * the consumer cancelling the body) stops fetching, closes the cursor and returns the connection
 * to the pool.
 */
import { CompiledQuery, sql } from "kysely";
import type { DB } from "~/db/db.server";
import type { ConversionFilterSet } from "~/domain/conversion-report";
import { filteredConversions } from "./conversion-base.server";
import { CSV_COLUMNS, csvCell, csvLine, type CsvSourceRow, NameCells } from "./csv-format.server";

export const DEFAULT_CSV_BATCH = 5000;

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

/** Back-pressure between the stream's pulls and the export loop (and the client's cancel). */
class PullGate {
  cancelled = false;
  private demand = false;
  private wake: (() => void) | null = null;

  /** The consumer asked for more. */
  pulled(): void {
    this.demand = true;
    this.signal();
  }

  cancel(): void {
    this.cancelled = true;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Resolves once the consumer has asked for more (a pull since the last chunk). */
  async wait(): Promise<void> {
    while (!this.cancelled && !this.demand) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.cancelled) throw new ExportCancelled();
    this.demand = false;
  }
}

/**
 * The export itself, in a read-only repeatable-read transaction (one snapshot for the cursor and
 * the name look-ups): declare the cursor, then fetch, format and `emit` batch by batch, each only
 * once the consumer has pulled.
 */
async function runExport(
  db: DB,
  brandId: string,
  query: CompiledQuery,
  batchSize: number,
  gate: PullGate,
  emit: (chunk: string) => void,
): Promise<void> {
  await db
    .transaction()
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
      await gate.wait();
      let next: ReturnType<typeof fetchBatch> | null = fetchBatch();
      while (next) {
        const { rows } = await next;
        next = null;
        if (gate.cancelled) throw new ExportCancelled();
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
          emit(chunk);
        }
        if (next) await gate.wait();
      }
      await sql`close rekomi_csv_export`.execute(trx);
    });
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
  const gate = new PullGate();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let started = false;
  const onAbort = () => {
    gate.cancel();
    try {
      controller.error(new ExportCancelled());
    } catch {
      // already closed
    }
  };

  const run = async () => {
    try {
      await runExport(db, brandId, query, batchSize, gate, (chunk) =>
        controller.enqueue(encoder.encode(chunk)),
      );
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

  if (opts.signal?.aborted) gate.cancelled = true;
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (gate.cancelled) c.error(new ExportCancelled());
      },
      pull() {
        gate.pulled();
        if (!started) {
          started = true;
          void run();
        }
      },
      cancel() {
        gate.cancel();
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
