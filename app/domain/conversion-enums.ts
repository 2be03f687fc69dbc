/**
 * The conversion enums, defined once for the domain, the database types, the REST API schemas and
 * the UI. The order is the contract's (DESIGN.md section 7); screens choose their own display order.
 */

/** How a conversion was attributed: a referral link click, a Stripe promotion code, or S2S. */
export const ATTRIBUTION_METHODS = ["link", "coupon", "s2s"] as const;
export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

/** Where a conversion stands after refunds. */
export const CONVERSION_STATUSES = ["approved", "partially_refunded", "refunded"] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];
