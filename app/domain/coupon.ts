/**
 * Campaign coupon and affiliate code rules: input schemas (API JSON and HTML form strings), code
 * normalisation and readable code generation, the discount in words, and the typed result shape
 * the coupon services return. Pure: no I/O.
 */
import { z } from "zod";
import type { CouponDuration, DiscountType } from "~/db/schema";
import type { FieldErrors } from "./forms";
import {
  currencyExponent,
  formatMoney,
  formatPercent,
  isCurrencyCode,
  isSupportedCurrency,
  MAX_AMOUNT_MINOR,
  MAX_BPS,
  parseAmount,
  parsePercent,
} from "./money";

// ---------------------------------------------------------------------------------------------
// Results

export type CouponErrorType =
  "invalid_request" | "conflict" | "plan_required" | "not_found" | "stripe_error";

export interface CouponError {
  type: CouponErrorType;
  message: string;
  /** The offending input, dotted (`code`, `discount.percent_off`, `redeem_by`). */
  param?: string;
}

export type CouponResult<T extends object> = ({ ok: true } & T) | { ok: false; error: CouponError };

/** HTTP status for each error type (DESIGN.md section 7). */
export const COUPON_ERROR_STATUS: Record<CouponErrorType, number> = {
  invalid_request: 400,
  plan_required: 403,
  not_found: 404,
  conflict: 409,
  stripe_error: 502,
};

export function couponError(type: CouponErrorType, message: string, param?: string): CouponError {
  return param === undefined ? { type, message } : { type, message, param };
}

/** The first zod issue as an `invalid_request` error with its dotted path as `param`. */
export function zodCouponError(error: z.ZodError): CouponError {
  const issue = error.issues[0];
  const param = issue.path.length > 0 ? issue.path.map(String).join(".") : undefined;
  return couponError("invalid_request", issue.message, param);
}

/**
 * Where an error belongs on a form: the last segment of its param (`discount.percent_off` ->
 * `percent_off`, Stripe's `promotion[coupon]` -> `coupon`), or "form" when it has none.
 */
export function fieldForParam(param: string | undefined): string {
  if (!param) return "form";
  const parts = param.split(/[.[\]]+/).filter(Boolean);
  return parts[parts.length - 1] ?? "form";
}

export function fieldErrorsFor(error: CouponError, known: readonly string[]): FieldErrors {
  const field = fieldForParam(error.param);
  return known.includes(field) ? { [field]: error.message } : { form: error.message };
}

// ---------------------------------------------------------------------------------------------
// Codes

export const CODE_RE = /^[A-Z0-9_-]{3,32}$/;
export const CODE_MAX = 32;
export const CODE_RULE_MESSAGE =
  "Use 3 to 32 characters: letters, digits, dashes (-) or underscores (_).";

/** Codes are stored and compared upper-cased and trimmed. */
export function normalizeCode(input: string): string {
  return input.trim().toUpperCase();
}

export function isValidCode(code: string): boolean {
  return CODE_RE.test(code);
}

export const codeSchema = z
  .string({ message: CODE_RULE_MESSAGE })
  .transform(normalizeCode)
  .pipe(z.string().regex(CODE_RE, CODE_RULE_MESSAGE));

export interface DiscountTerms {
  discount_type: DiscountType;
  percent_off_bps: number | null;
  amount_off: number | null;
  currency: string | null;
}

export interface DurationTerms {
  duration: CouponDuration;
  duration_in_months: number | null;
}

/** The number a generated code carries: whole percent (20) or whole major units ($10 -> 10). */
function discountNumber(d: DiscountTerms): number {
  if (d.discount_type === "percent") return Math.floor((d.percent_off_bps ?? 0) / 100);
  const exponent = currencyExponent(d.currency ?? "usd");
  return Math.floor((d.amount_off ?? 0) / 10 ** exponent);
}

/**
 * A readable code from the affiliate's first name and the discount: "Sarah Chen" + 20% ->
 * "SARAH20"; "Zoë" + $10 -> "ZOE10". Only A-Z, 0-9 (what Stripe accepts); names without Latin
 * letters fall back to "PARTNER". Leaves room for a collision suffix (see `codeCandidate`).
 */
export function generatedCodeBase(name: string, discount: DiscountTerms): string {
  const first =
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .trim()
      .split(/\s+/)[0] ?? "";
  let word = first
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 16);
  if (word.length < 2) word = "PARTNER";
  const n = discountNumber(discount);
  let base = word + (n > 0 ? String(n) : "");
  if (base.length < 3) base += "CODE";
  return base.slice(0, CODE_MAX - 4);
}

/** The n-th candidate: SARAH20, SARAH20-2, SARAH20-3, ... */
export function codeCandidate(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`;
}

/** The first candidate not in `taken` (upper-case codes), starting from `from`. */
export function nextFreeCandidate(base: string, taken: ReadonlySet<string>, from = 1): number {
  let n = Math.max(1, from);
  while (taken.has(codeCandidate(base, n))) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Discount in words

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function formatDiscountAmount(d: DiscountTerms): string {
  return d.discount_type === "percent"
    ? formatPercent(d.percent_off_bps ?? 0)
    : formatMoney(d.amount_off ?? 0, d.currency ?? "usd");
}

/** "20% off your first payment", "20% off for 3 months", "$10.00 off forever". */
export function describeDiscount(d: DiscountTerms & DurationTerms): string {
  const amount = formatDiscountAmount(d);
  // Stripe's `once` applies to the first invoice only, whatever the billing interval.
  if (d.duration === "once") return `${amount} off your first payment`;
  if (d.duration === "repeating")
    return `${amount} off for ${plural(d.duration_in_months ?? 1, "month")}`;
  return `${amount} off forever`;
}

// ---------------------------------------------------------------------------------------------
// Campaign coupon input (API JSON shape; the form parser produces the same shape)

export const COUPON_NAME_MAX = 40; // Stripe's limit for a coupon's name
export const DURATION_MONTHS_MAX = 120;
export const MAX_REDEMPTIONS_MAX = 1_000_000_000;
export const REDEEM_BY_MAX_DAYS = 5 * 365;
const DAY_MS = 86_400_000;

const couponNameSchema = z
  .string({ message: "Enter a name." })
  .trim()
  .min(1, "Enter a name.")
  .max(COUPON_NAME_MAX, `Use at most ${COUPON_NAME_MAX} characters (Stripe's limit).`);

function hasAtMostTwoDecimals(x: number): boolean {
  return Math.abs(Math.round(x * 100) - x * 100) < 1e-6;
}

const percentOffSchema = z
  .number({ message: "Enter the percentage off." })
  .gt(0, "Enter a percentage between 0.01 and 100.")
  .max(100, "Enter a percentage between 0.01 and 100.")
  .refine(hasAtMostTwoDecimals, "Use at most 2 decimal places, such as 12.25.");

export const discountSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("percent"), percent_off: percentOffSchema }),
    z.object({
      type: z.literal("amount"),
      amount_off: z
        .number({ message: "Enter the amount off in minor units (e.g. 1000 for $10.00)." })
        .int("Enter the amount off in minor units (e.g. 1000 for $10.00).")
        .min(1, "The amount must be greater than zero.")
        .max(MAX_AMOUNT_MINOR, "The amount is too large."),
      currency: z
        .string({ message: "Choose a currency." })
        .transform((c) => c.trim().toLowerCase())
        .pipe(z.string().refine(isCurrencyCode, "Use a lowercase ISO currency code such as usd.")),
    }),
  ],
  { message: 'Choose a discount type: "percent" or "amount".' },
);

const redeemBySchema = z
  .union([z.date(), z.iso.datetime({ offset: true, message: "Use an ISO 8601 timestamp." })])
  .transform((v) => (v instanceof Date ? v : new Date(v)));

const toggle = (fallback: boolean) =>
  z.boolean({ message: "Use true or false." }).optional().default(fallback);

/** Create a campaign coupon (the REST API body; the brand form is converted to this shape). */
/** Self-service codes one affiliate may hold on one coupon (issue 15). */
export const DEFAULT_MAX_CODES_PER_AFFILIATE = 5;
export const MAX_CODES_PER_AFFILIATE_MAX = 1000;
const maxCodesSchema = z
  .number({ message: "Enter a whole number of codes." })
  .int("Enter a whole number of codes.")
  .min(1, "Allow at least 1 code.")
  .max(MAX_CODES_PER_AFFILIATE_MAX, `Use at most ${MAX_CODES_PER_AFFILIATE_MAX}.`);

export const campaignCouponCreateSchema = z
  .object({
    name: couponNameSchema,
    discount: discountSchema,
    duration: z.enum(["once", "repeating", "forever"], {
      message: 'Choose a duration: "once", "repeating" or "forever".',
    }),
    duration_in_months: z
      .number({ message: "Enter a whole number of months." })
      .int("Enter a whole number of months.")
      .min(1, "Use at least 1 month.")
      .max(DURATION_MONTHS_MAX, `Use at most ${DURATION_MONTHS_MAX} months.`)
      .nullish(),
    max_redemptions: z
      .number({ message: "Enter a whole number, or leave it empty for no limit." })
      .int("Enter a whole number, or leave it empty for no limit.")
      .min(1, "Use at least 1, or leave it empty for no limit.")
      .max(MAX_REDEMPTIONS_MAX, "That limit is too large.")
      .nullish(),
    redeem_by: redeemBySchema.nullish(),
    overrides_click_attribution: toggle(true),
    allow_affiliate_self_service: toggle(false),
    max_codes_per_affiliate: maxCodesSchema.optional().default(DEFAULT_MAX_CODES_PER_AFFILIATE),
  })
  .superRefine((v, ctx) => {
    if (v.duration === "repeating" && (v.duration_in_months ?? null) === null) {
      ctx.addIssue({
        code: "custom",
        message: "Enter for how many months the discount repeats.",
        path: ["duration_in_months"],
      });
    }
    if (v.duration !== "repeating" && (v.duration_in_months ?? null) !== null) {
      ctx.addIssue({
        code: "custom",
        message: "Months only apply to a repeating discount.",
        path: ["duration_in_months"],
      });
    }
    if (v.redeem_by) {
      const t = v.redeem_by.getTime();
      const now = Date.now();
      if (Number.isNaN(t) || t <= now) {
        ctx.addIssue({
          code: "custom",
          message: "Choose a date in the future.",
          path: ["redeem_by"],
        });
      } else if (t > now + REDEEM_BY_MAX_DAYS * DAY_MS) {
        ctx.addIssue({
          code: "custom",
          message: "Choose a date at most 5 years from now (Stripe's limit).",
          path: ["redeem_by"],
        });
      }
    }
  });
export type CampaignCouponCreateInput = z.input<typeof campaignCouponCreateSchema>;
export type CampaignCouponCreate = z.output<typeof campaignCouponCreateSchema>;

/** Editable after creation: the name (also renamed in Stripe) and the two toggles. */
export const campaignCouponUpdateSchema = z.object({
  name: couponNameSchema.optional(),
  overrides_click_attribution: z.boolean({ message: "Use true or false." }).optional(),
  allow_affiliate_self_service: z.boolean({ message: "Use true or false." }).optional(),
  max_codes_per_affiliate: maxCodesSchema.optional(),
});
export type CampaignCouponUpdateInput = z.input<typeof campaignCouponUpdateSchema>;

/** A validated create input -> the campaign_coupons columns. */
export function campaignCouponColumns(input: CampaignCouponCreate) {
  const d = input.discount;
  return {
    name: input.name,
    discount_type: d.type,
    percent_off_bps: d.type === "percent" ? Math.round(d.percent_off * 100) : null,
    amount_off: d.type === "amount" ? d.amount_off : null,
    currency: d.type === "amount" ? d.currency : null,
    duration: input.duration,
    duration_in_months: input.duration === "repeating" ? (input.duration_in_months ?? null) : null,
    max_redemptions: input.max_redemptions ?? null,
    redeem_by: input.redeem_by ?? null,
    overrides_click_attribution: input.overrides_click_attribution,
    allow_affiliate_self_service: input.allow_affiliate_self_service,
    max_codes_per_affiliate: input.max_codes_per_affiliate,
  };
}

// ---------------------------------------------------------------------------------------------
// Brand form (strings) -> create input

export const COUPON_FORM_FIELDS = [
  "name",
  "discount_type",
  "percent_off",
  "amount_off",
  "currency",
  "duration",
  "duration_in_months",
  "max_redemptions",
  "redeem_by",
  "overrides_click_attribution",
  "allow_affiliate_self_service",
] as const;
export type CouponFormField = (typeof COUPON_FORM_FIELDS)[number];
export type CouponFormValues = Record<CouponFormField, string>;

export const NEW_COUPON_VALUES: CouponFormValues = {
  name: "",
  discount_type: "percent",
  percent_off: "20",
  amount_off: "",
  currency: "usd",
  duration: "once",
  duration_in_months: "3",
  max_redemptions: "",
  redeem_by: "",
  overrides_click_attribution: "on",
  allow_affiliate_self_service: "",
};

const isOn = (v: string | undefined) => v === "on" || v === "true" || v === "1";

/** "2030-01-31" -> the end of that day, UTC (codes stop working after the chosen day). */
export function redeemByFromDate(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T23:59:59.000Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? undefined : d;
}

export type CouponFormResult =
  | { ok: true; input: CampaignCouponCreateInput }
  | { ok: false; fieldErrors: FieldErrors; values: CouponFormValues };

/** The brand's create form -> the API input shape, with every field checked at once. */
export function parseCouponForm(fields: Record<string, string>): CouponFormResult {
  const values = Object.fromEntries(
    COUPON_FORM_FIELDS.map((k) => [k, fields[k] ?? ""]),
  ) as CouponFormValues;
  const errors: FieldErrors = {};
  const fail = (field: CouponFormField, message: string) => {
    if (errors[field] === undefined) errors[field] = message;
  };

  let discount: CampaignCouponCreateInput["discount"] | undefined;
  if (values.discount_type === "percent") {
    const raw = values.percent_off.trim();
    const pct = parsePercent(raw);
    if (raw === "") fail("percent_off", "Enter the percentage off.");
    else if (!pct.ok) fail("percent_off", pct.error);
    else if (pct.value < 1 || pct.value > MAX_BPS)
      fail("percent_off", "Enter a percentage between 0.01 and 100.");
    else discount = { type: "percent", percent_off: pct.value / 100 };
  } else if (values.discount_type === "amount") {
    const currency = values.currency.trim().toLowerCase();
    const raw = values.amount_off.trim();
    if (!isSupportedCurrency(currency)) fail("currency", "Choose a currency.");
    else if (raw === "") fail("amount_off", "Enter the amount off.");
    else {
      const amount = parseAmount(raw, currency);
      if (!amount.ok) fail("amount_off", amount.error);
      else if (amount.value === 0) fail("amount_off", "The amount must be greater than zero.");
      else discount = { type: "amount", amount_off: amount.value, currency };
    }
  } else {
    fail("discount_type", "Choose a percentage or a fixed amount.");
  }

  const duration = values.duration;
  if (duration !== "once" && duration !== "repeating" && duration !== "forever") {
    fail("duration", "Choose how long the discount applies.");
  }
  let months: number | null = null;
  if (duration === "repeating") {
    const raw = values.duration_in_months.trim();
    if (!/^\d{1,4}$/.test(raw)) fail("duration_in_months", "Enter a whole number of months.");
    else months = Number(raw);
  }
  let maxRedemptions: number | null = null;
  const maxRaw = values.max_redemptions.trim();
  if (maxRaw !== "") {
    if (!/^\d{1,10}$/.test(maxRaw))
      fail("max_redemptions", "Enter a whole number, or leave it empty for no limit.");
    else maxRedemptions = Number(maxRaw);
  }
  let redeemBy: Date | null = null;
  const dateRaw = values.redeem_by.trim();
  if (dateRaw !== "") {
    const d = redeemByFromDate(dateRaw);
    if (!d) fail("redeem_by", "Enter a date such as 2030-12-31.");
    else redeemBy = d;
  }

  const candidate = {
    name: values.name,
    discount: discount ?? { type: "percent" as const, percent_off: 1 },
    duration: (duration || "once") as CouponDuration,
    duration_in_months: months,
    max_redemptions: maxRedemptions,
    redeem_by: redeemBy,
    overrides_click_attribution: isOn(values.overrides_click_attribution),
    allow_affiliate_self_service: isOn(values.allow_affiliate_self_service),
  };
  const parsed = campaignCouponCreateSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldForParam(issue.path.map(String).join("."));
      if ((COUPON_FORM_FIELDS as readonly string[]).includes(field))
        fail(field as CouponFormField, issue.message);
    }
  }
  if (Object.keys(errors).length > 0 || !discount)
    return { ok: false, fieldErrors: errors, values };
  return { ok: true, input: { ...candidate, discount } };
}

/** The edit form of an existing coupon: name + toggles. */
export function parseCouponUpdateForm(fields: Record<string, string>): CampaignCouponUpdateInput {
  return {
    name: fields.name ?? "",
    overrides_click_attribution: isOn(fields.overrides_click_attribution),
    allow_affiliate_self_service: isOn(fields.allow_affiliate_self_service),
  };
}

// ---------------------------------------------------------------------------------------------
// Affiliate code input

const commissionRateSchema = z
  .number({ message: "Enter a percentage between 0 and 100." })
  .min(0, "Enter a percentage between 0 and 100.")
  .max(100, "Enter a percentage between 0 and 100.")
  .refine(hasAtMostTwoDecimals, "Use at most 2 decimal places, such as 12.25.");

/**
 * Create an affiliate code. `code` omitted or empty -> a readable one is generated.
 * `commission_rate_percent` (brand/API only) overrides the campaign's commission for this code.
 */
export const affiliateCouponCreateSchema = z.object({
  campaign_coupon_id: z.string({ message: "Choose a coupon." }).min(1, "Choose a coupon."),
  code: z
    .string({ message: CODE_RULE_MESSAGE })
    .nullish()
    .transform((v) => (v == null || v.trim() === "" ? null : v))
    .pipe(codeSchema.nullable()),
  commission_rate_percent: commissionRateSchema.nullish(),
});
export type AffiliateCouponCreateInput = z.input<typeof affiliateCouponCreateSchema>;

export const CODE_FORM_FIELDS = ["campaign_coupon_id", "code", "commission_rate"] as const;

/** The Generate form -> the API input shape (the percent field is parsed strictly). */
export function parseCodeForm(
  fields: Record<string, string>,
  opts: { allowCommission: boolean },
): { ok: true; input: AffiliateCouponCreateInput } | { ok: false; fieldErrors: FieldErrors } {
  const input: AffiliateCouponCreateInput = {
    campaign_coupon_id: fields.campaign_coupon_id ?? "",
    code: fields.code ?? "",
  };
  const rate = (fields.commission_rate ?? "").trim();
  if (opts.allowCommission && rate !== "") {
    const pct = parsePercent(rate);
    if (!pct.ok) return { ok: false, fieldErrors: { commission_rate: pct.error } };
    if (pct.value > MAX_BPS)
      return {
        ok: false,
        fieldErrors: { commission_rate: "Enter a percentage between 0 and 100." },
      };
    input.commission_rate_percent = pct.value / 100;
  }
  return { ok: true, input };
}

/** Why a code or coupon stopped working, for people. */
export const INACTIVE_REASON_LABELS: Record<string, string> = {
  deleted: "Deleted",
  deactivated: "Deactivated",
  deactivated_in_stripe: "Deactivated in Stripe",
  deleted_in_stripe: "Deleted in Stripe",
  coupon_deleted: "Coupon deleted",
  affiliate_suspended: "Affiliate suspended",
  affiliate_rejected: "Affiliate rejected",
  stripe_refused: "Refused by Stripe",
  reactivation_refused: "Stripe refused to reactivate",
};

export function inactiveLabel(reason: string | null): string {
  return (reason && INACTIVE_REASON_LABELS[reason]) || "Inactive";
}
