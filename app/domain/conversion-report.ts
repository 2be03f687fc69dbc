/**
 * Conversion reporting rules shared by the dashboard, the affiliate portal, the REST API and the
 * CSV export: the Source label ("Coupon · SARAH20", "Link", "S2S"), dashboard filter parsing
 * (query string -> filters + field errors), CSV cell neutralisation, customer masking and the
 * chart's time buckets. Pure: no I/O.
 */
import {
  ATTRIBUTION_METHODS,
  type AttributionMethod,
  CONVERSION_STATUSES,
  type ConversionStatus,
} from "./conversion-enums";

export {
  type AttributionMethod,
  CONVERSION_STATUSES,
  type ConversionStatus,
} from "./conversion-enums";

/** The methods in the order the dashboard lists them (the headline first). */
export const METHODS_IN_DISPLAY_ORDER: readonly AttributionMethod[] = ["coupon", "link", "s2s"];

export const METHOD_LABELS: Record<AttributionMethod, string> = {
  coupon: "Coupon",
  link: "Link",
  s2s: "S2S",
};

export const CONVERSION_STATUS_LABELS: Record<ConversionStatus, string> = {
  approved: "Approved",
  partially_refunded: "Partially refunded",
  refunded: "Refunded",
};

/** "Coupon · SARAH20", "Link" or "S2S" (a coupon conversion whose code is unknown reads "Coupon"). */
export function sourceLabel(method: AttributionMethod, couponCode: string | null): string {
  if (method === "coupon") return couponCode ? `Coupon · ${couponCode}` : "Coupon";
  return METHOD_LABELS[method];
}

/**
 * The filters every conversion list understands. The API accepts the first five (DESIGN.md
 * section 7); the dashboard adds the coupon code. Timestamps are ISO 8601; created_lt is exclusive.
 */
export interface ConversionFilterSet {
  attribution_method?: AttributionMethod;
  affiliate_id?: string;
  status?: ConversionStatus;
  created_gte?: string;
  created_lt?: string;
  coupon_code?: string;
}

/** What the dashboard's filter form sends (GET query params), as typed. */
export interface ConversionFilterValues {
  source: string;
  affiliate: string;
  code: string;
  status: string;
  from: string;
  to: string;
}

export type ConversionFilterField = keyof ConversionFilterValues;

export const EMPTY_FILTER_VALUES: ConversionFilterValues = {
  source: "",
  affiliate: "",
  code: "",
  status: "",
  from: "",
  to: "",
};

export interface ParsedConversionFilters {
  filters: ConversionFilterSet;
  values: ConversionFilterValues;
  errors: Partial<Record<ConversionFilterField, string>>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const CODE_FILTER_RE = /^[A-Za-z0-9_-]{1,32}$/;
const DAY_MS = 86_400_000;

/** "2026-03-01" -> that UTC midnight, or null when it is not a real calendar date. */
export function parseDay(value: string): Date | null {
  if (!DATE_RE.test(value)) return null;
  const d = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) return null;
  return d;
}

/**
 * The dashboard's filter query string -> filters. Bad values are reported per field (and left
 * out of the filters), never silently widened. `to` is inclusive: the whole day counts.
 */
export function parseConversionFilterParams(params: URLSearchParams): ParsedConversionFilters {
  const get = (k: ConversionFilterField) => (params.get(k) ?? "").trim();
  const values: ConversionFilterValues = {
    source: get("source"),
    affiliate: get("affiliate"),
    code: get("code"),
    status: get("status"),
    from: get("from"),
    to: get("to"),
  };
  const errors: ParsedConversionFilters["errors"] = {};
  const filters: ConversionFilterSet = {};

  if (values.source) {
    if ((ATTRIBUTION_METHODS as readonly string[]).includes(values.source))
      filters.attribution_method = values.source as AttributionMethod;
    else errors.source = "Choose Coupon, Link or S2S.";
  }
  if (values.affiliate) {
    if (UUID_RE.test(values.affiliate)) filters.affiliate_id = values.affiliate.toLowerCase();
    else errors.affiliate = "Choose an affiliate from the list.";
  }
  if (values.code) {
    if (CODE_FILTER_RE.test(values.code)) filters.coupon_code = values.code.toUpperCase();
    else errors.code = "Codes use letters, digits, - and _ (at most 32).";
  }
  if (values.status) {
    if ((CONVERSION_STATUSES as readonly string[]).includes(values.status))
      filters.status = values.status as ConversionStatus;
    else errors.status = "Choose a status from the list.";
  }
  const from = values.from ? parseDay(values.from) : null;
  if (values.from && !from) errors.from = "Enter a date as YYYY-MM-DD.";
  const to = values.to ? parseDay(values.to) : null;
  if (values.to && !to) errors.to = "Enter a date as YYYY-MM-DD.";
  if (from && to && to.getTime() < from.getTime()) {
    errors.to = "The end date must be on or after the start date.";
  } else {
    if (from) filters.created_gte = from.toISOString();
    if (to) filters.created_lt = new Date(to.getTime() + DAY_MS).toISOString();
  }
  return { filters, values, errors };
}

/** The filter values as a query string (empty fields left out), e.g. for pagination links. */
export function filterQueryString(
  values: ConversionFilterValues,
  extra: Record<string, string> = {},
): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) qs.set(k, v);
  for (const [k, v] of Object.entries(extra)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `?${s}` : "";
}

// ---------------------------------------------------------------------------------------------
// CSV

const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * Neutralise spreadsheet formula injection in a text cell: a value starting with =, +, -, @, TAB,
 * CR or LF gets a leading single quote so spreadsheet apps show it as text.
 */
export function neutralizeCsvText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  return FORMULA_START.test(value) ? `'${value}` : value;
}

// ---------------------------------------------------------------------------------------------
// Customer

/** An email shown as "ja•••@example.com"; anything else returned unchanged. */
export function maskEmail(email: string): string {
  const at = email.indexOf("@");
  if (at <= 0) return email;
  const local = email.slice(0, at);
  const shown = local.slice(0, Math.min(2, Math.max(1, local.length - 1)));
  return `${shown}•••${email.slice(at)}`;
}

/** What the dashboard shows in the Customer column: the Stripe customer, the S2S id, or "—". */
export function customerLabel(row: {
  stripe_customer_id: string | null;
  external_id: string | null;
}): string {
  if (row.stripe_customer_id) return row.stripe_customer_id;
  if (row.external_id) return `S2S ${row.external_id}`;
  return "—";
}

// ---------------------------------------------------------------------------------------------
// Chart buckets

export type Granularity = "day" | "week" | "month";

/** Day buckets up to ~4 months, weeks up to ~2 years, months beyond. */
export function granularityFor(from: Date, to: Date): Granularity {
  const days = Math.max(0, (to.getTime() - from.getTime()) / DAY_MS);
  if (days <= 120) return "day";
  if (days <= 730) return "week";
  return "month";
}

/** One (bucket, currency, source) sum as the series query returns it. */
export interface SeriesRow {
  bucket: string; // YYYY-MM-DD (start of the day, week or month, UTC)
  currency: string;
  method: AttributionMethod;
  revenue: number;
  commission: number;
}

/** One chart point: net revenue and commission per source in one bucket (minor units). */
export interface SeriesPoint {
  bucket: string;
  coupon_revenue: number;
  link_revenue: number;
  s2s_revenue: number;
  coupon_commission: number;
  link_commission: number;
  s2s_commission: number;
}

export interface CurrencySeries {
  currency: string;
  granularity: Granularity;
  points: SeriesPoint[];
}

const MAX_FILLED_BUCKETS = 400;

function nextBucket(day: string, g: Granularity): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  if (g === "day") d.setUTCDate(d.getUTCDate() + 1);
  else if (g === "week") d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

function emptyPoint(bucket: string): SeriesPoint {
  return {
    bucket,
    coupon_revenue: 0,
    link_revenue: 0,
    s2s_revenue: 0,
    coupon_commission: 0,
    link_commission: 0,
    s2s_commission: 0,
  };
}

/**
 * Rows -> one series per currency (never summing across currencies), with empty buckets between
 * the first and last filled in as zeros so the time axis is even.
 */
export function buildSeries(rows: SeriesRow[], granularity: Granularity): CurrencySeries[] {
  const byCurrency = new Map<string, Map<string, SeriesPoint>>();
  for (const r of rows) {
    let points = byCurrency.get(r.currency);
    if (!points) byCurrency.set(r.currency, (points = new Map()));
    let p = points.get(r.bucket);
    if (!p) points.set(r.bucket, (p = emptyPoint(r.bucket)));
    p[`${r.method}_revenue`] += r.revenue;
    p[`${r.method}_commission`] += r.commission;
  }
  const out: CurrencySeries[] = [];
  for (const [currency, points] of [...byCurrency].sort((a, b) => a[0].localeCompare(b[0]))) {
    const buckets = [...points.keys()].sort();
    const filled: SeriesPoint[] = [];
    let cur = buckets[0];
    const last = buckets[buckets.length - 1];
    while (cur && cur <= last && filled.length < MAX_FILLED_BUCKETS) {
      filled.push(points.get(cur) ?? emptyPoint(cur));
      cur = nextBucket(cur, granularity);
    }
    // Past the cap (not reachable with granularityFor's limits): keep the real points only.
    out.push({
      currency,
      granularity,
      points: filled.length < MAX_FILLED_BUCKETS ? filled : buckets.map((b) => points.get(b)!),
    });
  }
  return out;
}
