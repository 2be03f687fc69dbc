/**
 * The CSV export's cells and lines, byte for byte what csv-stringify wrote before
 * (tests/conversions/csv-bytes.test.ts compares the two): the header, quoting, formula
 * neutralisation, money as decimals in the row's currency, timestamps from Postgres text, and the
 * per-export cache of affiliate and campaign names (looked up per batch, not joined per row).
 */
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { neutralizeCsvText } from "~/domain/conversion-report";
import { amountToInput } from "~/domain/money";

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

/** Names cached per export (affiliate name+email, campaign name), as ready CSV cells. */
const NAME_CACHE_MAX = 20_000;

/** One row of the export cursor: the conversion's own columns (names are looked up by id). */
export interface CsvSourceRow {
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
export class NameCells {
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
export function csvLine(r: CsvSourceRow, names: NameCells): string {
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
