/**
 * Streamed CSV export of a brand's conversions (the dashboard's "Export CSV" and
 * `GET /api/v1/conversions/export.csv`). Same filters as the lists.
 *
 * Memory stays constant whatever the size: the rows come from a server-side cursor
 * (`DECLARE ... NO SCROLL CURSOR` in a read-only transaction on one dedicated pool connection)
 * fetched in batches only when the HTTP client has read the previous ones (ReadableStream pull),
 * and each batch is turned into CSV text by csv-stringify. A client abort (request.signal, or the
 * consumer cancelling the body) stops fetching, closes the cursor and returns the connection to
 * the pool.
 */
import { stringify } from "csv-stringify/sync";
import { CompiledQuery, sql } from "kysely";
import type { DB } from "~/db/db.server";
import { type ConversionFilterSet, neutralizeCsvText } from "~/domain/conversion-report";
import { amountToInput } from "~/domain/money";
import { filteredConversions } from "./conversion-queries.server";

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

export const DEFAULT_CSV_BATCH = 500;

interface CsvSourceRow {
  id: string;
  occurred_at: Date;
  created_at: Date;
  campaign_id: string | null;
  campaign_name: string | null;
  affiliate_id: string | null;
  affiliate_name: string | null;
  affiliate_email: string | null;
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

const t = neutralizeCsvText;
const iso = (d: Date | string) => new Date(d).toISOString();

/** One conversion as CSV cells: text neutralised against formula injection, money as decimals. */
export function csvRecord(r: CsvSourceRow): string[] {
  const money = (v: number | string) => amountToInput(Number(v), r.currency);
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
}

/** The export query (newest first, like the list), compiled for the cursor. */
function exportQuery(db: DB, brandId: string, filters: ConversionFilterSet): CompiledQuery {
  return filteredConversions(db, brandId, filters)
    .leftJoin("affiliates", (j) =>
      j
        .onRef("affiliates.id", "=", "conversions.affiliate_id")
        .onRef("affiliates.brand_id", "=", "conversions.brand_id"),
    )
    .leftJoin("campaigns", (j) =>
      j
        .onRef("campaigns.id", "=", "conversions.campaign_id")
        .onRef("campaigns.brand_id", "=", "conversions.brand_id"),
    )
    .select([
      "conversions.id",
      "conversions.occurred_at",
      "conversions.created_at",
      "conversions.campaign_id",
      "campaigns.name as campaign_name",
      "conversions.affiliate_id",
      "affiliates.name as affiliate_name",
      "affiliates.email as affiliate_email",
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
        .setAccessMode("read only")
        .execute(async (trx) => {
          await trx.executeQuery(
            CompiledQuery.raw(`declare rekomi_csv_export no scroll cursor for ${query.sql}`, [
              ...query.parameters,
            ]),
          );
          let header = stringify([[...CSV_COLUMNS]]);
          for (;;) {
            await waitForDemand();
            const { rows } = await trx.executeQuery<CsvSourceRow>(
              CompiledQuery.raw(`fetch forward ${batchSize} from rekomi_csv_export`),
            );
            if (cancelled) throw new ExportCancelled();
            if (rows.length === 0 && !header) break;
            controller.enqueue(encoder.encode(header + stringify(rows.map(csvRecord))));
            header = "";
            if (rows.length < batchSize) break;
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
    // No read-ahead: a batch is fetched only when the client asks for one, so a body nobody reads
    // never takes a connection and a slow client never makes the server buffer.
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
