/**
 * Campaign rules: the commission shape, input validation (API values and HTML form strings), the
 * commission sentence shown to brands and affiliates, and join-link slugs. Pure: no I/O.
 */
import { z } from "zod";
import { type FieldErrors, fieldErrorsOf } from "./forms";
import {
  amountToInput,
  bpsToPercent,
  formatMoney,
  formatPercent,
  isCurrencyCode,
  isSupportedCurrency,
  MAX_AMOUNT_MINOR,
  MAX_BPS,
  parseAmount,
  parsePercent,
} from "./money";

export type Commission =
  { type: "percent"; bps: number } | { type: "flat"; amount: number; currency: string };

/** A validated campaign, as the services take it (from the brand UI and the REST API alike). */
export interface CampaignInput {
  name: string;
  destinationUrl: string;
  commission: Commission;
  /** null = every payment forever; 0 = the first payment only; N = payments in the first N months. */
  recurringMonths: number | null;
  subAffiliateOverrideBps: number;
  cookieWindowDays: number;
  autoApprove: boolean;
  /** Approve affiliates who join through another affiliate's recruiting link (default off). */
  autoApproveRecruits?: boolean;
}

export const CAMPAIGN_NAME_MAX = 100;
export const RECURRING_MONTHS_MAX = 120;
export const DEFAULT_COOKIE_WINDOW_DAYS = 30;

const nameSchema = z
  .string({ message: "Enter a name." })
  .trim()
  .min(1, "Enter a name.")
  .max(CAMPAIGN_NAME_MAX, `Use at most ${CAMPAIGN_NAME_MAX} characters.`);

const destinationUrlSchema = z
  .string({ message: "Enter the URL affiliates' visitors land on." })
  .trim()
  .min(1, "Enter the URL affiliates' visitors land on.")
  .max(2000, "Use a URL of at most 2000 characters.")
  .pipe(
    z.url({
      protocol: /^https?$/,
      message: "Enter a full http:// or https:// URL, such as https://example.com.",
    }),
  );

const recurringMonthsSchema = z
  .number({ message: "Enter a whole number of months." })
  .int("Enter a whole number of months.")
  .min(0, "Months cannot be negative.")
  .max(
    RECURRING_MONTHS_MAX,
    `Use at most ${RECURRING_MONTHS_MAX} months, or leave it blank for forever.`,
  )
  .nullable();

const cookieWindowSchema = z
  .number({ message: "Enter a number of days between 1 and 365." })
  .int("Enter a whole number of days.")
  .min(1, "Use at least 1 day.")
  .max(365, "Use at most 365 days.");

const commissionSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("percent"),
    bps: z
      .number()
      .int()
      .min(1, "The commission must be at least 0.01%.")
      .max(MAX_BPS, "The commission cannot exceed 100%."),
  }),
  z.object({
    type: z.literal("flat"),
    amount: z
      .number()
      .int()
      .min(1, "The amount must be greater than zero.")
      .max(MAX_AMOUNT_MINOR, "The amount is too large."),
    currency: z.string().refine(isCurrencyCode, "Use a lowercase ISO currency code such as usd."),
  }),
]);

/** The validated shape services accept (typed values, not form strings). */
export const campaignInputSchema = z.object({
  name: nameSchema,
  destinationUrl: destinationUrlSchema,
  commission: commissionSchema,
  recurringMonths: recurringMonthsSchema,
  subAffiliateOverrideBps: z
    .number()
    .int()
    .min(0, "The override cannot be negative.")
    .max(MAX_BPS, "The override cannot exceed 100%."),
  cookieWindowDays: cookieWindowSchema,
  autoApprove: z.boolean(),
  autoApproveRecruits: z.boolean().optional(),
}) satisfies z.ZodType<CampaignInput>;

/** The HTML form's field names. */
export type CampaignFormField =
  | "name"
  | "destination_url"
  | "commission_type"
  | "commission_percent"
  | "commission_amount"
  | "commission_currency"
  | "recurring_months"
  | "sub_affiliate_override_percent"
  | "cookie_window_days"
  | "auto_approve"
  | "auto_approve_recruits";

export type CampaignFormValues = Record<CampaignFormField, string>;

const optionalString = z.string().optional().default("");

/** An HTML checkbox (or a JSON-ish form value) that is ticked. */
function checked(v: string): boolean {
  return v === "on" || v === "true" || v === "1";
}

function wholeNumber(v: string): number | undefined {
  return /^\d{1,6}$/.test(v) ? Number(v) : undefined;
}

/**
 * What people type in the form: "nimbus.test/pricing" means https://nimbus.test/pricing. A value
 * that already has a scheme, or does not look like a host name, is left for the URL rule to judge.
 */
export function withHttps(value: string): string {
  const v = value.trim();
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?([/?#].*)?$/i.test(v) ? `https://${v}` : v;
}

/**
 * Form strings -> CampaignInput. Every field is checked, so the person sees all problems at once,
 * each under its own field name.
 */
export const campaignFormSchema = z
  .object({
    name: optionalString,
    destination_url: optionalString,
    commission_type: optionalString,
    commission_percent: optionalString,
    commission_amount: optionalString,
    commission_currency: optionalString,
    recurring_months: optionalString,
    sub_affiliate_override_percent: optionalString,
    cookie_window_days: optionalString,
    auto_approve: optionalString,
    auto_approve_recruits: optionalString,
  })
  .transform((raw, ctx): CampaignInput => {
    const fail = (field: CampaignFormField, message: string) =>
      ctx.addIssue({ code: "custom", message, path: [field] });

    const name = nameSchema.safeParse(raw.name);
    if (!name.success) fail("name", name.error.issues[0].message);

    const url = destinationUrlSchema.safeParse(withHttps(raw.destination_url));
    if (!url.success) fail("destination_url", url.error.issues[0].message);

    let commission: Commission | undefined;
    if (raw.commission_type === "percent") {
      const pct = parsePercent(raw.commission_percent);
      if (raw.commission_percent.trim() === "")
        fail("commission_percent", "Enter the commission percentage.");
      else if (!pct.ok) fail("commission_percent", pct.error);
      else if (pct.value < 1 || pct.value > MAX_BPS)
        fail("commission_percent", "Enter a percentage between 0.01 and 100.");
      else commission = { type: "percent", bps: pct.value };
    } else if (raw.commission_type === "flat") {
      const currency = raw.commission_currency.trim().toLowerCase();
      if (!isSupportedCurrency(currency)) {
        fail("commission_currency", "Choose a currency.");
      } else if (raw.commission_amount.trim() === "") {
        fail("commission_amount", "Enter the amount paid per payment.");
      } else {
        const amount = parseAmount(raw.commission_amount, currency);
        if (!amount.ok) fail("commission_amount", amount.error);
        else if (amount.value === 0)
          fail("commission_amount", "The amount must be greater than zero.");
        else commission = { type: "flat", amount: amount.value, currency };
      }
    } else {
      fail("commission_type", "Choose a percentage or a flat amount.");
    }

    let recurringMonths: number | null = null;
    const months = raw.recurring_months.trim();
    if (months !== "") {
      const n = wholeNumber(months);
      const parsed = recurringMonthsSchema.safeParse(n ?? Number.NaN);
      if (n === undefined || !parsed.success) {
        fail(
          "recurring_months",
          n === undefined
            ? "Enter a whole number of months, 0 for the first payment only, or leave it blank for forever."
            : parsed.error!.issues[0].message,
        );
      } else recurringMonths = n;
    }

    let subAffiliateOverrideBps = 0;
    const override = raw.sub_affiliate_override_percent.trim();
    if (override !== "") {
      const pct = parsePercent(override);
      if (!pct.ok) fail("sub_affiliate_override_percent", pct.error);
      else if (pct.value > MAX_BPS)
        fail("sub_affiliate_override_percent", "Enter a percentage between 0 and 100.");
      else subAffiliateOverrideBps = pct.value;
    }

    let cookieWindowDays = DEFAULT_COOKIE_WINDOW_DAYS;
    const days = raw.cookie_window_days.trim();
    if (days !== "") {
      const n = wholeNumber(days);
      const parsed = cookieWindowSchema.safeParse(n ?? Number.NaN);
      if (n === undefined || !parsed.success)
        fail("cookie_window_days", "Enter a whole number of days between 1 and 365.");
      else cookieWindowDays = n;
    }

    if (ctx.issues.length > 0 || !commission || !name.success || !url.success) return z.NEVER;
    return {
      name: name.data,
      destinationUrl: url.data,
      commission,
      recurringMonths,
      subAffiliateOverrideBps,
      cookieWindowDays,
      autoApprove: checked(raw.auto_approve),
      autoApproveRecruits: checked(raw.auto_approve_recruits),
    };
  });

export type CampaignFormResult =
  | { ok: true; input: CampaignInput }
  | { ok: false; fieldErrors: FieldErrors; values: CampaignFormValues };

export function parseCampaignForm(fields: Record<string, string>): CampaignFormResult {
  const parsed = campaignFormSchema.safeParse(fields);
  if (parsed.success) return { ok: true, input: parsed.data };
  return {
    ok: false,
    fieldErrors: fieldErrorsOf(parsed.error),
    values: formValuesFromFields(fields),
  };
}

function formValuesFromFields(fields: Record<string, string>): CampaignFormValues {
  const get = (k: CampaignFormField) => fields[k] ?? "";
  return {
    name: get("name"),
    destination_url: get("destination_url"),
    commission_type: get("commission_type"),
    commission_percent: get("commission_percent"),
    commission_amount: get("commission_amount"),
    commission_currency: get("commission_currency"),
    recurring_months: get("recurring_months"),
    sub_affiliate_override_percent: get("sub_affiliate_override_percent"),
    cookie_window_days: get("cookie_window_days"),
    auto_approve: get("auto_approve"),
    auto_approve_recruits: get("auto_approve_recruits"),
  };
}

export const NEW_CAMPAIGN_VALUES: CampaignFormValues = {
  name: "",
  destination_url: "",
  commission_type: "percent",
  commission_percent: "20",
  commission_amount: "",
  commission_currency: "usd",
  recurring_months: "12",
  sub_affiliate_override_percent: "0",
  cookie_window_days: String(DEFAULT_COOKIE_WINDOW_DAYS),
  auto_approve: "",
  auto_approve_recruits: "",
};

/** The commission columns as stored on a campaign row. */
export interface CommissionTerms {
  commission_type: "percent" | "flat";
  commission_percent_bps: number | null;
  commission_amount: number | null;
  commission_currency: string | null;
  recurring_months: number | null;
}

export interface StoredCampaign extends CommissionTerms {
  name: string;
  destination_url: string;
  sub_affiliate_override_bps: number;
  cookie_window_days: number;
  auto_approve: boolean;
  auto_approve_recruits: boolean;
}

/** A stored row -> the edit form's strings. */
export function campaignFormValues(c: StoredCampaign): CampaignFormValues {
  return {
    name: c.name,
    destination_url: c.destination_url,
    commission_type: c.commission_type,
    commission_percent:
      c.commission_percent_bps === null ? "" : bpsToPercent(c.commission_percent_bps),
    commission_amount:
      c.commission_amount === null || c.commission_currency === null
        ? ""
        : amountToInput(c.commission_amount, c.commission_currency),
    commission_currency: c.commission_currency ?? "usd",
    recurring_months: c.recurring_months === null ? "" : String(c.recurring_months),
    sub_affiliate_override_percent: bpsToPercent(c.sub_affiliate_override_bps),
    cookie_window_days: String(c.cookie_window_days),
    auto_approve: c.auto_approve ? "on" : "",
    auto_approve_recruits: c.auto_approve_recruits ? "on" : "",
  };
}

/** CampaignInput -> the campaign row's columns. */
export function campaignColumns(input: CampaignInput) {
  return {
    name: input.name,
    destination_url: input.destinationUrl,
    commission_type: input.commission.type,
    commission_percent_bps: input.commission.type === "percent" ? input.commission.bps : null,
    commission_amount: input.commission.type === "flat" ? input.commission.amount : null,
    commission_currency: input.commission.type === "flat" ? input.commission.currency : null,
    recurring_months: input.recurringMonths,
    sub_affiliate_override_bps: input.subAffiliateOverrideBps,
    cookie_window_days: input.cookieWindowDays,
    auto_approve: input.autoApprove,
    auto_approve_recruits: input.autoApproveRecruits ?? false,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The commission in words: "20% recurring for 12 months", "20% recurring forever",
 * "20%, first payment only", "$50.00 flat, first payment only", "$50.00 flat per payment for 12 months".
 */
export function describeCommission(c: CommissionTerms): string {
  const months = c.recurring_months;
  if (c.commission_type === "percent") {
    const rate = formatPercent(c.commission_percent_bps ?? 0);
    if (months === 0) return `${rate}, first payment only`;
    if (months === null) return `${rate} recurring forever`;
    return `${rate} recurring for ${plural(months, "month")}`;
  }
  const amount = formatMoney(c.commission_amount ?? 0, c.commission_currency ?? "usd");
  if (months === 0) return `${amount} flat, first payment only`;
  if (months === null) return `${amount} flat per payment, forever`;
  return `${amount} flat per payment for ${plural(months, "month")}`;
}

export const SLUG_MAX = 48;

/** "Acme Partners 2025!" -> "acme-partners-2025". Never empty ("campaign" as a fallback). */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, "");
  return slug || "campaign";
}

/** The n-th candidate for a slug: base, base-2, base-3, ... (kept within SLUG_MAX). */
export function slugCandidate(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-${n}`;
  return base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/g, "") + suffix;
}

/** Slugs are lowercase letters, digits and single dashes. */
export function isValidSlug(slug: string): boolean {
  return slug.length <= SLUG_MAX + 8 && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug);
}

export function joinUrl(appUrl: string, slug: string): string {
  return `${appUrl.replace(/\/+$/, "")}/join/${slug}`;
}

export function referralUrl(appUrl: string, linkCode: string): string {
  return `${appUrl.replace(/\/+$/, "")}/r/${linkCode}`;
}
