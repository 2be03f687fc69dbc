/**
 * The zod schemas of REST API v1 (DESIGN.md section 7): request bodies and query strings as the
 * routes parse them, and response bodies as the routes send them (`respond(schema, body)`). The
 * OpenAPI document (app/api/openapi.server.ts) is generated from these same objects, so the
 * document cannot drift from the wire. Request objects are strict: an unknown field is a 400 that
 * names it. Pure: no I/O.
 */
import { z } from "zod";
import { ATTRIBUTION_METHODS, CONVERSION_STATUSES } from "~/domain/conversion-enums";
import { API_ERROR_TYPES } from "./errors";

// ---------------------------------------------------------------- shared pieces

export const DEFAULT_PAGE_LIMIT = 10;
export const MAX_PAGE_LIMIT = 100;

/** `limit` and `cursor` query fields; merge into a list's query schema with `.extend(...)`. */
export const pageQueryFields = {
  limit: z.coerce
    .number({ message: `limit must be a whole number between 1 and ${MAX_PAGE_LIMIT}.` })
    .int(`limit must be a whole number between 1 and ${MAX_PAGE_LIMIT}.`)
    .min(1, `limit must be a whole number between 1 and ${MAX_PAGE_LIMIT}.`)
    .max(MAX_PAGE_LIMIT, `limit must be a whole number between 1 and ${MAX_PAGE_LIMIT}.`)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `Page size, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}).` }),
  cursor: z.string().optional().meta({ description: "The `next_cursor` of the previous page." }),
};

export const Id = z
  .uuid()
  .meta({ description: "Object id (uuid).", example: "7d3c1c4e-9a0e-4c3f-8e55-0d1f6f7e2b11" });
export const Timestamp = z.iso
  .datetime()
  .meta({ description: "ISO 8601 timestamp in UTC.", example: "2026-01-31T12:00:00.000Z" });
export const Currency = z
  .string()
  .regex(/^[a-z]{3}$/, "Use a lowercase ISO 4217 currency code such as usd.")
  .meta({ description: "Lowercase ISO 4217 currency code.", example: "usd" });
export const MinorAmount = z
  .number()
  .int("Use a whole number of minor units (cents).")
  .min(0)
  .meta({ description: "Integer amount in the currency's minor unit (cents for usd)." });

/** A percentage with at most two decimals (stored as basis points). */
function percent(min: number, message: string) {
  return z
    .number({ message })
    .min(min, message)
    .max(100, message)
    .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, "Use at most two decimals.");
}

export const ErrorResponse = z
  .object({
    error: z.object({
      type: z.enum(API_ERROR_TYPES),
      message: z.string(),
      param: z
        .string()
        .optional()
        .meta({ description: "The offending request field, as sent (`commission.percent`)." }),
    }),
  })
  .meta({ id: "Error" });

/** `{data, has_more, next_cursor}` of some item schema. */
export function listOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      data: z.array(item),
      has_more: z.boolean(),
      next_cursor: z
        .string()
        .nullable()
        .meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
    })
    .meta({ id });
}

export const PageQuery = z.object(pageQueryFields);

/** An empty object (DELETE responses that only confirm). */
export const DeletedResponse = z
  .object({ id: Id, deleted: z.literal(true) })
  .meta({ id: "Deleted" });

// ---------------------------------------------------------------- campaigns

export const Commission = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("percent"),
      percent: percent(0.01, "The commission percent must be between 0.01 and 100.").meta({
        example: 20,
      }),
    }),
    z.strictObject({
      type: z.literal("flat"),
      amount: MinorAmount.min(1, "The amount must be greater than zero.")
        .max(99_999_999)
        .meta({ example: 500 }),
      currency: Currency,
    }),
  ])
  .meta({
    id: "Commission",
    description: "Percent of each payment, or a flat amount per payment.",
  });

export const Campaign = z
  .object({
    id: Id,
    name: z.string(),
    destination_url: z.string(),
    commission: Commission,
    recurring_months: z.number().int().nullable().meta({
      description:
        "null = every payment forever; 0 = first payment only; N = payments in the first N months.",
    }),
    sub_affiliate_override_percent: z
      .number()
      .meta({ description: "Parent affiliate's override, percent of the payment." }),
    created_at: Timestamp,
  })
  .meta({ id: "Campaign" });

const campaignFields = {
  name: z.string().min(1).max(100),
  destination_url: z
    .string()
    .max(2000)
    .meta({ format: "uri", description: "http(s) URL visitors land on." }),
  commission: Commission,
  recurring_months: z.number().int().min(0).max(120).nullable(),
  sub_affiliate_override_percent: percent(0, "The override percent must be between 0 and 100."),
  cookie_window_days: z.number().int().min(1).max(365),
  auto_approve: z.boolean(),
  auto_approve_recruits: z.boolean(),
};

export const CampaignCreate = z
  .strictObject({
    name: campaignFields.name,
    destination_url: campaignFields.destination_url,
    commission: campaignFields.commission,
    recurring_months: campaignFields.recurring_months
      .optional()
      .meta({ description: "Default null (forever)." }),
    sub_affiliate_override_percent: campaignFields.sub_affiliate_override_percent
      .optional()
      .meta({ description: "Default 0." }),
    cookie_window_days: campaignFields.cookie_window_days
      .optional()
      .meta({ description: "Default 30." }),
    auto_approve: campaignFields.auto_approve.optional().meta({ description: "Default false." }),
    auto_approve_recruits: campaignFields.auto_approve_recruits.optional().meta({
      description:
        "Approve affiliates who join through another affiliate's recruiting link. Default false; flagged recruits always wait.",
    }),
  })
  .meta({ id: "CampaignCreate" });

export const CampaignUpdate = z
  .strictObject({
    name: campaignFields.name.optional(),
    destination_url: campaignFields.destination_url.optional(),
    commission: campaignFields.commission.optional(),
    recurring_months: campaignFields.recurring_months.optional(),
    sub_affiliate_override_percent: campaignFields.sub_affiliate_override_percent.optional(),
    cookie_window_days: campaignFields.cookie_window_days.optional(),
    auto_approve: campaignFields.auto_approve.optional(),
    auto_approve_recruits: campaignFields.auto_approve_recruits.optional(),
  })
  .meta({ id: "CampaignUpdate", description: "Only the fields sent are changed." });

export const CampaignList = listOf(Campaign, "CampaignList");

// ---------------------------------------------------------------- campaign coupons

export const CouponDiscount = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("percent"),
      percent_off: percent(0.01, "percent_off must be between 0.01 and 100.").meta({ example: 20 }),
    }),
    z.strictObject({
      type: z.literal("amount"),
      amount_off: MinorAmount.min(1, "amount_off must be greater than zero.").meta({
        example: 1000,
      }),
      currency: Currency,
    }),
  ])
  .meta({ id: "CouponDiscount" });

export const CouponDuration = z.enum(["once", "repeating", "forever"]);

export const CampaignCoupon = z
  .object({
    id: Id,
    campaign_id: Id,
    name: z.string(),
    discount: CouponDiscount,
    duration: CouponDuration,
    duration_in_months: z.number().int().nullable(),
    max_redemptions: z.number().int().nullable(),
    redeem_by: Timestamp.nullable(),
    overrides_click_attribution: z.boolean(),
    allow_affiliate_self_service: z.boolean(),
    max_codes_per_affiliate: z.number().int(),
    stripe_coupon_id: z.string().nullable(),
    stripe_status: z.enum(["pending_stripe", "synced"]),
    created_at: Timestamp,
  })
  .meta({ id: "CampaignCoupon" });

export const CampaignCouponCreate = z
  .strictObject({
    name: z.string().min(1).max(100),
    discount: CouponDiscount,
    duration: CouponDuration,
    duration_in_months: z
      .number()
      .int()
      .min(1)
      .max(120)
      .nullable()
      .optional()
      .meta({ description: "Required when duration is repeating." }),
    max_redemptions: z.number().int().min(1).nullable().optional(),
    redeem_by: Timestamp.nullable().optional(),
    overrides_click_attribution: z.boolean().optional().meta({ description: "Default true." }),
    allow_affiliate_self_service: z.boolean().optional().meta({ description: "Default false." }),
    max_codes_per_affiliate: z.number().int().min(1).max(1000).optional().meta({
      description: "Self-service codes one affiliate may hold on this coupon. Default 5.",
    }),
  })
  .meta({ id: "CampaignCouponCreate" });

export const CampaignCouponUpdate = z
  .strictObject({
    name: z.string().min(1).max(100).optional(),
    overrides_click_attribution: z.boolean().optional(),
    allow_affiliate_self_service: z.boolean().optional(),
    max_codes_per_affiliate: z.number().int().min(1).max(1000).optional(),
  })
  .meta({
    id: "CampaignCouponUpdate",
    description:
      "The discount terms of a Stripe coupon cannot change; create a new coupon instead.",
  });

export const CampaignCouponList = listOf(CampaignCoupon, "CampaignCouponList");

// ---------------------------------------------------------------- affiliates

export const AffiliateStatus = z.enum(["pending", "approved", "rejected", "suspended"]);

export const Affiliate = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    status: AffiliateStatus,
    parent_affiliate_id: Id.nullable(),
    link: z
      .object({ code: z.string(), url: z.string() })
      .nullable()
      .meta({ description: "The referral link of the affiliate's first campaign enrollment." }),
    invitation: z
      .object({
        status: z.enum(["pending", "accepted"]),
        sent_at: Timestamp.nullable(),
      })
      .meta({
        description:
          "A brand-created affiliate is an emailed invitation: pending until someone claims it through the link with that verified email. Self-joined affiliates are accepted with sent_at null.",
      }),
    created_at: Timestamp,
  })
  .meta({ id: "Affiliate" });

export const AffiliateCreate = z
  .strictObject({
    email: z.string().max(254).meta({ format: "email" }),
    name: z.string().min(1).max(100),
    campaign_id: Id,
    status: AffiliateStatus.optional().meta({ description: "Default approved." }),
  })
  .meta({ id: "AffiliateCreate" });

export const AffiliateList = listOf(Affiliate, "AffiliateList");

// ---------------------------------------------------------------- affiliate coupons (codes)

export const AffiliateCoupon = z
  .object({
    id: Id,
    affiliate_id: Id,
    campaign_coupon_id: Id,
    code: z.string(),
    stripe_promotion_code_id: z.string().nullable(),
    max_redemptions: z.number().int().nullable(),
    redemption_count: z.number().int(),
    active: z.boolean(),
    created_by: z.enum(["brand", "affiliate", "api"]),
    stripe_status: z.enum(["pending_stripe", "synced"]).meta({
      description:
        "pending_stripe until Stripe confirmed the latest change (Rekomi retries until it does).",
    }),
    created_at: Timestamp,
  })
  .meta({ id: "AffiliateCoupon" });

export const AffiliateCouponCreate = z
  .strictObject({
    campaign_coupon_id: Id,
    code: z.string().min(3).max(32).optional().meta({
      description: "3-32 of A-Z, 0-9, _ and - (upper-cased). Generated when omitted.",
      example: "SARAH20",
    }),
  })
  .meta({ id: "AffiliateCouponCreate" });

export const AffiliateCouponList = listOf(AffiliateCoupon, "AffiliateCouponList");

// ---------------------------------------------------------------- conversions

export const AttributionMethod = z.enum(ATTRIBUTION_METHODS);
export const ConversionStatus = z.enum(CONVERSION_STATUSES);

export const Conversion = z
  .object({
    id: Id,
    campaign_id: Id.nullable().meta({
      description:
        "Null when nobody could be credited (e.g. every candidate ineligible) or the campaign was deleted.",
    }),
    affiliate_id: Id.nullable().meta({ description: "Null when nobody could be credited." }),
    attribution_method: AttributionMethod,
    coupon_code: z.string().nullable(),
    amount: MinorAmount,
    currency: Currency,
    commission_amount: z.number().int(),
    refunded_amount: MinorAmount,
    status: ConversionStatus,
    stripe: z.object({
      customer_id: z.string().nullable(),
      invoice_id: z.string().nullable(),
      subscription_id: z.string().nullable(),
      checkout_session_id: z.string().nullable(),
      payment_intent_id: z.string().nullable(),
    }),
    decision: z.record(z.string(), z.unknown()).nullable().meta({
      description: "The decision record: the candidates seen and the rule that picked the winner.",
    }),
    occurred_at: Timestamp,
    created_at: Timestamp,
  })
  .meta({ id: "Conversion" });

export const ConversionFilters = z.object({
  attribution_method: AttributionMethod.optional(),
  affiliate_id: Id.optional(),
  status: ConversionStatus.optional(),
  created_gte: Timestamp.optional().meta({ description: "created_at on or after (ISO 8601)." }),
  created_lt: Timestamp.optional().meta({ description: "created_at before (ISO 8601)." }),
});

export const ConversionListQuery = ConversionFilters.extend(pageQueryFields);

export const ConversionCreate = z
  .strictObject({
    external_id: z
      .string()
      .min(1)
      .max(255)
      .meta({ description: "Your id for this sale; the request is idempotent on it." }),
    amount: MinorAmount,
    currency: Currency,
    click_id: Id.optional().meta({
      description: "The `rk_ref` click id from the landing URL. Give this or affiliate_id.",
    }),
    affiliate_id: Id.optional().meta({
      description: "Credit this affiliate directly. Give this or click_id.",
    }),
  })
  .refine((v) => (v.click_id === undefined) !== (v.affiliate_id === undefined), {
    message: "Give exactly one of click_id or affiliate_id.",
    path: ["click_id"],
  })
  .meta({ id: "ConversionCreate" });

export const ConversionList = listOf(Conversion, "ConversionList");

// ---------------------------------------------------------------- webhook endpoints

export const WebhookEventType = z.enum([
  "conversion.created",
  "conversion.updated",
  "conversion.refunded",
]);

export const WebhookEndpoint = z
  .object({
    id: Id,
    url: z.string(),
    events: z.array(WebhookEventType),
    enabled: z.boolean(),
  })
  .meta({ id: "WebhookEndpoint" });

export const WebhookEndpointCreated = WebhookEndpoint.extend({
  secret: z.string().meta({ description: "Signing secret `whsec_...`; only in this response." }),
}).meta({ id: "WebhookEndpointCreated" });

export const WebhookEndpointCreate = z
  .strictObject({
    url: z
      .string()
      .max(2000)
      .meta({ format: "uri", description: "https URL receiving Standard Webhooks POSTs." }),
    events: z
      .array(WebhookEventType)
      .min(1)
      .optional()
      .meta({ description: "Default: every event type." }),
    enabled: z.boolean().optional().meta({ description: "Default true." }),
  })
  .meta({ id: "WebhookEndpointCreate" });

export const WebhookEndpointList = listOf(WebhookEndpoint, "WebhookEndpointList");

// ---------------------------------------------------------------- stripe connection

export const StripeConnection = z
  .object({
    connected: z.boolean(),
    webhook_endpoint_id: z.string().nullable(),
    livemode: z.boolean().nullable(),
  })
  .meta({ id: "StripeConnection" });

export const StripeConnectionPut = z
  .strictObject({
    secret_key: z
      .string()
      .meta({ description: "Stripe restricted key (rk_...) or secret key (sk_...)." }),
  })
  .meta({ id: "StripeConnectionPut" });
