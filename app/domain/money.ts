/**
 * Money and percentages. Amounts are always integers in the currency's minor unit (cents for usd,
 * yen for jpy, fils for kwd) next to a lowercase ISO 4217 code. Never floats, never mixed currencies.
 * Pure: no I/O.
 */

/** Currencies without a minor unit (Stripe's "zero-decimal" list). */
// prettier-ignore
const ZERO_DECIMAL = new Set([
  "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
]);
/** Currencies with three decimal places. */
const THREE_DECIMAL = new Set(["bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"]);

/** Currencies offered in pickers, most common first. Any well-formed code is still accepted by the helpers. */
// prettier-ignore
export const SUPPORTED_CURRENCIES = [
  "usd", "eur", "gbp", "cad", "aud", "nzd", "chf", "sek", "nok", "dkk", "pln", "czk", "huf",
  "jpy", "krw", "sgd", "hkd", "inr", "brl", "mxn", "zar", "aed", "bhd", "kwd", "jod", "omr",
] as const;
export type SupportedCurrency = (typeof SUPPORTED_CURRENCIES)[number];

/** Largest amount accepted from a form, in minor units (Stripe's own per-charge ceiling). */
export const MAX_AMOUNT_MINOR = 99_999_999;

export function isCurrencyCode(code: string): boolean {
  return /^[a-z]{3}$/.test(code);
}

export function isSupportedCurrency(code: string): code is SupportedCurrency {
  return (SUPPORTED_CURRENCIES as readonly string[]).includes(code);
}

/** Number of decimal places of a currency's minor unit: 0 (jpy), 2 (usd) or 3 (kwd). */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** A plain non-negative decimal, optionally with correctly grouped thousands commas: "1,234.5". */
const DECIMAL_RE = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/;

function splitDecimal(input: string): { whole: string; fraction: string } | "negative" | "invalid" {
  const s = input.trim();
  if (s === "") return "invalid";
  if (/^-\s*[\d.]/.test(s)) return "negative";
  const m = DECIMAL_RE.exec(s);
  if (!m) return "invalid";
  const whole = m[1].replace(/,/g, "");
  const fraction = m[2] ?? "";
  if (m[2] !== undefined && fraction === "") return "invalid"; // "12." is a typo, not a number
  return { whole, fraction };
}

/**
 * Parse a human-typed amount into minor units: `parseAmount("12.50", "usd")` -> 1250,
 * `parseAmount("500", "jpy")` -> 500. Strict: no negatives, no exponent notation, no more decimals
 * than the currency has, no currency symbols.
 */
export function parseAmount(input: string, currency: string): ParseResult<number> {
  const exponent = currencyExponent(currency);
  const parts = splitDecimal(input);
  if (parts === "negative") return { ok: false, error: "The amount cannot be negative." };
  if (parts === "invalid") {
    return {
      ok: false,
      error:
        exponent === 0
          ? "Enter a whole number, such as 500."
          : `Enter an amount such as 12.${"5".padEnd(exponent, "0")}.`,
    };
  }
  const fraction = parts.fraction.replace(/0+$/, "");
  if (fraction.length > exponent) {
    const code = currency.toUpperCase();
    return {
      ok: false,
      error:
        exponent === 0
          ? `${code} has no decimal places; enter a whole number.`
          : `${code} amounts have at most ${exponent} decimal places.`,
    };
  }
  const whole = parts.whole.replace(/^0+(?=\d)/, "");
  if (whole.length > 12) return { ok: false, error: "The amount is too large." };
  const minor = Number(whole + fraction.padEnd(exponent, "0"));
  if (minor > MAX_AMOUNT_MINOR) {
    return {
      ok: false,
      error: `The amount is too large (at most ${formatMoney(MAX_AMOUNT_MINOR, currency)}).`,
    };
  }
  return { ok: true, value: minor };
}

/** Minor units as a plain decimal string for an input field: (1250, "usd") -> "12.50". */
export function amountToInput(minor: number, currency: string): string {
  assertMinor(minor);
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** (1250, "usd") -> "$12.50"; (500, "jpy") -> "¥500"; (1234, "kwd") -> "KWD 1.234". */
export function formatMoney(minor: number, currency: string, locale = "en-US"): string {
  assertMinor(minor);
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minor / 10 ** exponent);
}

function assertMinor(minor: number): void {
  if (!Number.isSafeInteger(minor))
    throw new RangeError(`Minor units must be a safe integer, got ${minor}`);
}

/** Basis points in one percent. 100% = 10 000 bps. */
export const BPS_PER_PERCENT = 100;
export const MAX_BPS = 10_000;

/** "20" -> 2000, "12.5" -> 1250, "0.01" -> 1. At most two decimals; no negatives; no "%" sign needed. */
export function parsePercent(input: string): ParseResult<number> {
  const s = input.trim().replace(/\s*%$/, "");
  const parts = splitDecimal(s);
  if (parts === "negative") return { ok: false, error: "The percentage cannot be negative." };
  if (parts === "invalid" || s.includes(","))
    return { ok: false, error: "Enter a percentage such as 20 or 12.5." };
  const fraction = parts.fraction.replace(/0+$/, "");
  if (fraction.length > 2)
    return { ok: false, error: "Use at most 2 decimal places, such as 12.25." };
  const whole = parts.whole.replace(/^0+(?=\d)/, "");
  if (whole.length > 6) return { ok: false, error: "The percentage is too large." };
  return { ok: true, value: Number(whole + fraction.padEnd(2, "0")) };
}

/** 2000 -> "20", 1250 -> "12.5", 1 -> "0.01" (for inputs and sentences; add "%" yourself). */
export function bpsToPercent(bps: number): string {
  if (!Number.isSafeInteger(bps) || bps < 0)
    throw new RangeError(`Basis points must be a non-negative integer, got ${bps}`);
  const whole = Math.floor(bps / 100);
  const fraction = String(bps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** 2000 -> "20%". */
export function formatPercent(bps: number): string {
  return `${bpsToPercent(bps)}%`;
}
