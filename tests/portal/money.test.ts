import { describe, expect, it } from "vitest";
import {
  amountToInput,
  bpsToPercent,
  currencyExponent,
  formatMoney,
  formatPercent,
  isCurrencyCode,
  isSupportedCurrency,
  MAX_AMOUNT_MINOR,
  parseAmount,
  parsePercent,
  SUPPORTED_CURRENCIES,
} from "../../app/domain/money";

const ok = (value: number) => ({ ok: true, value });

describe("currencyExponent", () => {
  it.each([
    ["usd", 2],
    ["eur", 2],
    ["gbp", 2],
    ["USD", 2],
    ["jpy", 0],
    ["krw", 0],
    ["clp", 0],
    ["vnd", 0],
    ["xof", 0],
    ["JPY", 0],
    ["bhd", 3],
    ["kwd", 3],
    ["jod", 3],
    ["omr", 3],
    ["tnd", 3],
    ["iqd", 3],
    ["lyd", 3],
  ])("%s has %i decimals", (code, exp) => {
    expect(currencyExponent(code)).toBe(exp);
  });

  it("every supported currency is a well-formed lowercase code", () => {
    for (const c of SUPPORTED_CURRENCIES) expect(isCurrencyCode(c)).toBe(true);
    expect(isSupportedCurrency("usd")).toBe(true);
    expect(isSupportedCurrency("USD")).toBe(false);
    expect(isSupportedCurrency("xyz")).toBe(false);
    expect(isCurrencyCode("us")).toBe(false);
    expect(isCurrencyCode("Usd")).toBe(false);
  });
});

describe("parseAmount", () => {
  it.each([
    ["12.50", "usd", 1250],
    ["12.5", "usd", 1250],
    ["12", "usd", 1200],
    ["0.01", "usd", 1],
    ["0", "usd", 0],
    ["  7.00  ", "eur", 700],
    ["1,234.56", "usd", 123456],
    ["123,456", "usd", 12345600],
    ["1,234,567", "jpy", 1234567],
    ["007.10", "usd", 710],
    ["12.500", "usd", 1250], // trailing zeros beyond the exponent are not extra precision
    ["500", "jpy", 500],
    ["500.0", "jpy", 500],
    ["1.234", "kwd", 1234],
    ["1.2", "bhd", 1200],
    ["3", "kwd", 3000],
  ])("%j %s -> %i", (input, currency, expected) => {
    expect(parseAmount(input, currency)).toEqual(ok(expected));
  });

  it("rejects too many decimals for the currency, with a reason", () => {
    expect(parseAmount("12.505", "usd")).toEqual({
      ok: false,
      error: "USD amounts have at most 2 decimal places.",
    });
    expect(parseAmount("1.5", "jpy")).toEqual({
      ok: false,
      error: "JPY has no decimal places; enter a whole number.",
    });
    expect(parseAmount("1.2345", "kwd")).toEqual({
      ok: false,
      error: "KWD amounts have at most 3 decimal places.",
    });
  });

  it("rejects negatives", () => {
    for (const input of ["-1", "-0.50", " -5", "- 5"]) {
      expect(parseAmount(input, "usd")).toEqual({
        ok: false,
        error: "The amount cannot be negative.",
      });
    }
  });

  it.each([
    "",
    "   ",
    "abc",
    "12abc",
    "1e3",
    "$12",
    "12,50",
    "1,23",
    "12.",
    ".5",
    "1.2.3",
    "+5",
    "0x10",
    "Infinity",
    "NaN",
    "12 50",
    "١٢",
  ])("rejects junk %j", (input) => {
    const r = parseAmount(input, "usd");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe("Enter an amount such as 12.50.");
  });

  it("explains whole numbers for zero-decimal currencies", () => {
    expect(parseAmount("abc", "jpy")).toEqual({
      ok: false,
      error: "Enter a whole number, such as 500.",
    });
    expect(parseAmount("abc", "kwd")).toEqual({
      ok: false,
      error: "Enter an amount such as 12.500.",
    });
  });

  it("rejects amounts above the ceiling", () => {
    expect(parseAmount("999999.99", "usd")).toEqual(ok(MAX_AMOUNT_MINOR));
    const r = parseAmount("1000000", "usd");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/too large/);
    expect(parseAmount("99999999999999999999", "usd").ok).toBe(false);
  });

  it("round-trips with amountToInput", () => {
    for (const [minor, currency] of [
      [1250, "usd"],
      [1, "usd"],
      [0, "eur"],
      [500, "jpy"],
      [1234, "kwd"],
      [5, "bhd"],
    ] as const) {
      expect(parseAmount(amountToInput(minor, currency), currency)).toEqual(ok(minor));
    }
  });
});

describe("amountToInput", () => {
  it.each([
    [1250, "usd", "12.50"],
    [5, "usd", "0.05"],
    [0, "usd", "0.00"],
    [500, "jpy", "500"],
    [1234, "kwd", "1.234"],
    [5, "kwd", "0.005"],
    [-1250, "usd", "-12.50"],
  ])("%i %s -> %s", (minor, currency, expected) => {
    expect(amountToInput(minor, currency)).toBe(expected);
  });
  it("refuses non-integers", () => {
    expect(() => amountToInput(12.5, "usd")).toThrow(RangeError);
  });
});

describe("formatMoney", () => {
  it.each([
    [1250, "usd", "$12.50"],
    [5000, "usd", "$50.00"],
    [0, "usd", "$0.00"],
    [123456789, "usd", "$1,234,567.89"],
    [-1250, "usd", "-$12.50"],
    [1250, "eur", "€12.50"],
    [1250, "gbp", "£12.50"],
    [500, "jpy", "¥500"],
    [5000, "krw", "₩5,000"],
  ])("%i %s -> %s", (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });

  it("uses three decimals for kwd and bhd", () => {
    expect(formatMoney(1234, "kwd")).toMatch(/^KWD\s1\.234$/);
    expect(formatMoney(5, "bhd")).toMatch(/^BHD\s0\.005$/);
  });

  it("respects a locale", () => {
    expect(formatMoney(1250, "eur", "de-DE")).toMatch(/^12,50\s€$/);
  });

  it("refuses floats", () => {
    expect(() => formatMoney(12.5, "usd")).toThrow(RangeError);
    expect(() => formatMoney(Number.NaN, "usd")).toThrow(RangeError);
  });
});

describe("percent <-> basis points", () => {
  it.each([
    ["20", 2000],
    ["12.5", 1250],
    ["12.50", 1250],
    ["0.01", 1],
    ["100", 10000],
    ["0", 0],
    ["  33.33 ", 3333],
    ["20%", 2000],
    ["7.10", 710],
  ])("parsePercent(%j) -> %i", (input, bps) => {
    expect(parsePercent(input)).toEqual(ok(bps));
  });

  it("rejects more than two decimals", () => {
    expect(parsePercent("12.345")).toEqual({
      ok: false,
      error: "Use at most 2 decimal places, such as 12.25.",
    });
    expect(parsePercent("12.340")).toEqual(ok(1234));
  });

  it("rejects negatives and junk", () => {
    expect(parsePercent("-5")).toEqual({ ok: false, error: "The percentage cannot be negative." });
    for (const junk of ["", "abc", "1e2", "12.", "1,000", "twenty", "5%%"]) {
      expect(parsePercent(junk).ok).toBe(false);
    }
    expect(parsePercent("99999999").ok).toBe(false);
  });

  it.each([
    [2000, "20"],
    [1250, "12.5"],
    [1, "0.01"],
    [10, "0.1"],
    [0, "0"],
    [10000, "100"],
    [3333, "33.33"],
  ])("bpsToPercent(%i) -> %s", (bps, text) => {
    expect(bpsToPercent(bps)).toBe(text);
    expect(formatPercent(bps)).toBe(`${text}%`);
    expect(parsePercent(text)).toEqual(ok(bps));
  });

  it("bpsToPercent refuses negatives and fractions", () => {
    expect(() => bpsToPercent(-1)).toThrow(RangeError);
    expect(() => bpsToPercent(1.5)).toThrow(RangeError);
  });
});
