import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type { AttributionMethod, ConversionStatus } from "../domain/conversion-enums";

/** Kysely table types. Keep in step with `migrations/`. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type Plan = "starter" | "growth" | "scale";
export type AffiliateStatus = "pending" | "approved" | "rejected" | "suspended";
export type CommissionType = "percent" | "flat";

export interface BrandsTable {
  id: Generated<string>;
  name: string;
  plan: Plan;
  trial_ends_at: Timestamp;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  /** Set once the person proved they read this address (an emailed link); null until then. */
  email_verified_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface BrandMembersTable {
  brand_id: string;
  user_id: string;
  role: "owner" | "member";
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: string;
  user_id: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface LoginAttemptsTable {
  id: Generated<string>;
  email: string;
  ip: string;
  /** Null while the password check of this attempt is still running. */
  succeeded: boolean | null;
  created_at: CreatedAt;
}

export interface CampaignsTable {
  id: Generated<string>;
  brand_id: string;
  name: string;
  slug: string;
  destination_url: string;
  commission_type: CommissionType;
  commission_percent_bps: number | null;
  commission_amount: number | null;
  commission_currency: string | null;
  recurring_months: number | null;
  sub_affiliate_override_bps: number;
  cookie_window_days: number;
  auto_approve: boolean;
  auto_approve_recruits: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AffiliatesTable {
  id: Generated<string>;
  brand_id: string;
  user_id: string | null;
  email: string;
  name: string;
  status: AffiliateStatus;
  parent_affiliate_id: string | null;
  recruit_code: string;
  /** When the brand's invitation email was queued (brand-created affiliates); null otherwise. */
  invited_at: Timestamp | null;
  /** The client IP of the /join request that created the row (null for brand-created ones). */
  signup_ip: string | null;
  /** Why a recruit may be its parent under another name (app/domain/recruiting.ts). */
  recruit_flags: Generated<string[]>;
  /** The brand confirmed the recruit and its parent are different people. */
  recruit_flags_cleared_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type TokenPurpose =
  "verify_email" | "reset_password" | "change_email" | "affiliate_invite" | "team_invite";

/** Single-use emailed links; only the SHA-256 of the token is stored. */
export interface AccountTokensTable {
  id: Generated<string>;
  purpose: TokenPurpose;
  token_hash: string;
  /** The address the link was sent to. */
  email: string;
  user_id: string | null;
  brand_id: string | null;
  affiliate_id: string | null;
  role: "owner" | "member" | null;
  invited_by: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  kind: string;
  to_email: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  user_id: string | null;
  brand_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface NotificationPreferencesTable {
  user_id: string;
  kind: string;
  enabled: boolean;
  updated_at: Timestamp;
}

export interface EnrollmentsTable {
  id: Generated<string>;
  brand_id: string;
  campaign_id: string;
  affiliate_id: string;
  link_code: string;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  brand_id: string;
  name: string;
  /** First characters of the key, for display ("rk_live_AbCd"). */
  prefix: string;
  /** SHA-256 hex of the full key; the key itself is never stored. */
  key_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface StripeConnectionsTable {
  brand_id: string;
  /** `encryptSecret` output (app/lib/crypto.server.ts); never the plaintext key. */
  secret_key_encrypted: string;
  webhook_secret_encrypted: string;
  webhook_endpoint_id: string;
  livemode: boolean;
  /** Masked key for display, e.g. `rk_test_…abcd`. */
  key_display: string;
  connected_at: Timestamp;
  updated_at: Timestamp;
}

export type StripeEventStatus = "pending" | "processed" | "ignored" | "failed";

export interface StripeEventsTable {
  id: Generated<string>;
  brand_id: string;
  stripe_event_id: string;
  type: string;
  livemode: boolean;
  api_version: string | null;
  stripe_created_at: Timestamp | null;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: ColumnType<StripeEventStatus, StripeEventStatus | undefined, StripeEventStatus>;
  error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
}

export type DiscountType = "percent" | "amount";
export type CouponDuration = "once" | "repeating" | "forever";

export interface CampaignCouponsTable {
  id: Generated<string>;
  brand_id: string;
  campaign_id: string;
  name: string;
  discount_type: DiscountType;
  percent_off_bps: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: CouponDuration;
  duration_in_months: number | null;
  max_redemptions: number | null;
  redeem_by: Timestamp | null;
  overrides_click_attribution: Generated<boolean>;
  allow_affiliate_self_service: Generated<boolean>;
  stripe_coupon_id: string | null;
  active: Generated<boolean>;
  inactive_reason: string | null;
  deleted_at: Timestamp | null;
  stripe_deleted_at: Timestamp | null;
  stripe_sync_error: string | null;
  stripe_status: Generated<StripeStatus>;
  max_codes_per_affiliate: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** `pending_stripe`: a Stripe write is reserved and not confirmed yet; `synced`: Stripe confirmed. */
export type StripeStatus = "pending_stripe" | "synced";

export interface AffiliateCouponsTable {
  id: Generated<string>;
  brand_id: string;
  affiliate_id: string;
  campaign_coupon_id: string;
  campaign_id: string;
  code: string;
  stripe_promotion_code_id: string | null;
  max_redemptions: number | null;
  expires_at: Timestamp | null;
  redemption_count: Generated<number>;
  commission_rate_bps: number | null;
  active: Generated<boolean>;
  inactive_reason: string | null;
  created_by: "brand" | "affiliate" | "api";
  deleted_at: Timestamp | null;
  stripe_sync_error: string | null;
  stripe_status: Generated<StripeStatus>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ClicksTable {
  id: Generated<string>;
  brand_id: string;
  campaign_id: string;
  affiliate_id: string;
  enrollment_id: string;
  referrer: string | null;
  user_agent: string | null;
  ip_hash: string | null;
  created_at: CreatedAt;
}

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed" | "exhausted" | "cancelled";

export interface WebhookEndpointsTable {
  id: Generated<string>;
  brand_id: string;
  url: string;
  description: Generated<string>;
  event_types: ColumnType<string[], string[], string[]>;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  disabled_at: Timestamp | null;
  /** `encryptSecret` output bound to the endpoint id; never the plaintext `whsec_` secret. */
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Timestamp | null;
  failing_since: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface WebhookMessagesTable {
  /** `msg_` + random; the `webhook-id` header, identical on every retry. */
  id: string;
  brand_id: string;
  event_type: string;
  payload: ColumnType<Record<string, unknown>, string, never>;
  /** The exact signed body bytes. */
  body: string;
  created_at: CreatedAt;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  message_id: string;
  endpoint_id: string;
  brand_id: string;
  status: ColumnType<
    WebhookDeliveryStatus,
    WebhookDeliveryStatus | undefined,
    WebhookDeliveryStatus
  >;
  attempt_count: Generated<number>;
  cycle_started_at: Timestamp;
  cycle_attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  in_flight_until: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  succeeded_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  brand_id: string;
  attempted_at: Timestamp;
  succeeded: boolean;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_snippet: string | null;
  created_at: CreatedAt;
}

export interface ApiIdempotencyKeysTable {
  api_key_id: string;
  key: string;
  /** sha256 hex of method, path and raw body. */
  request_hash: string;
  method: string;
  path: string;
  state: "processing" | "completed";
  response_status: number | null;
  response_body: string | null;
  response_content_type: string | null;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
  expires_at: Timestamp;
}

/** One token bucket per API key (REST API rate limit). */
export interface ApiRateLimitsTable {
  api_key_id: string;
  tokens: number;
  allowed: boolean;
  updated_at: Timestamp;
}

// ---- Reads (migrations/0009_conversion_reads.ts) ----
/** Daily conversion sums, kept exact by triggers on conversions; read-only for the app. */
export interface ConversionDailyTotalsTable {
  brand_id: string;
  /** UTC day of created_at, YYYY-MM-DD (a pg `date`; returned as a string by the read queries). */
  day: ColumnType<string, string, never>;
  currency: string;
  attribution_method: AttributionMethodColumn;
  status: "approved" | "partially_refunded" | "refunded";
  conversions: number;
  amount: number;
  refunded_amount: number;
  commission_amount: number;
}

// ---- Attribution (migrations/0006_attribution.ts) ----
export type AttributionMethodColumn = AttributionMethod;
export type ConversionStatusColumn = ConversionStatus;
export type LedgerKindColumn = "commission" | "override" | "clawback" | "override_clawback";
type Json<T> = ColumnType<T, string, string>;

export interface ReferralsTable {
  id: Generated<string>;
  brand_id: string;
  stripe_customer_id: string;
  affiliate_id: string;
  campaign_id: string;
  method: AttributionMethodColumn;
  affiliate_coupon_id: string | null;
  click_id: string | null;
  commission_rate_bps: number | null;
  bound_payment_key: string;
  bound_at: Timestamp;
  anchor_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface ConversionsTable {
  id: Generated<string>;
  brand_id: string;
  campaign_id: string | null;
  affiliate_id: string | null;
  referral_id: string | null;
  attribution_method: AttributionMethodColumn;
  affiliate_coupon_id: string | null;
  coupon_code: string | null;
  click_id: string | null;
  amount: number;
  currency: string;
  commission_amount: ColumnType<number, number | undefined, number>;
  override_amount: ColumnType<number, number | undefined, number>;
  refunded_amount: ColumnType<number, number | undefined, number>;
  status: ColumnType<
    ConversionStatusColumn,
    ConversionStatusColumn | undefined,
    ConversionStatusColumn
  >;
  stripe_customer_id: string | null;
  stripe_invoice_id: string | null;
  stripe_subscription_id: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  stripe_charge_id: string | null;
  external_id: string | null;
  decision: Json<Record<string, unknown>>;
  terms: Json<Record<string, unknown> | null>;
  redemption_counted: ColumnType<boolean, boolean | undefined, boolean>;
  period_start: Timestamp;
  occurred_at: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CommissionEntriesTable {
  id: Generated<string>;
  brand_id: string;
  conversion_id: string;
  affiliate_id: string;
  kind: LedgerKindColumn;
  amount: number;
  currency: string;
  created_at: CreatedAt;
}

export interface StripeCustomersTable {
  brand_id: string;
  stripe_customer_id: string;
  payments: Json<unknown[]>;
  click_ref: string | null;
  scanned_through: Timestamp | null;
  updated_at: Timestamp;
}

export interface StripeDiscountsTable {
  brand_id: string;
  discount_id: string;
  promotion_code_id: string | null;
  created_at: CreatedAt;
}

export interface StripeSubscriptionsTable {
  brand_id: string;
  subscription_id: string;
  stripe_customer_id: string;
  promotion_code_ids: Json<string[]>;
  click_ref: string | null;
  created_at: CreatedAt;
}

export interface StripePaymentIntentsTable {
  brand_id: string;
  payment_intent_id: string;
  invoice_id: string | null;
  created_at: CreatedAt;
}

export interface PendingRefundsTable {
  brand_id: string;
  payment_intent_id: string;
  charge_id: string;
  charge_amount: number;
  amount_refunded: number;
  currency: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface Database {
  brands: BrandsTable;
  users: UsersTable;
  brand_members: BrandMembersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  campaigns: CampaignsTable;
  affiliates: AffiliatesTable;
  enrollments: EnrollmentsTable;
  account_tokens: AccountTokensTable;
  email_outbox: EmailOutboxTable;
  notification_preferences: NotificationPreferencesTable;
  api_keys: ApiKeysTable;
  stripe_connections: StripeConnectionsTable;
  stripe_events: StripeEventsTable;
  campaign_coupons: CampaignCouponsTable;
  affiliate_coupons: AffiliateCouponsTable;
  clicks: ClicksTable;
  referrals: ReferralsTable;
  conversions: ConversionsTable;
  commission_entries: CommissionEntriesTable;
  stripe_customers: StripeCustomersTable;
  stripe_discounts: StripeDiscountsTable;
  stripe_subscriptions: StripeSubscriptionsTable;
  stripe_payment_intents: StripePaymentIntentsTable;
  pending_refunds: PendingRefundsTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
  api_rate_limits: ApiRateLimitsTable;
  conversion_daily_totals: ConversionDailyTotalsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type Brand = Selectable<BrandsTable>;
export type User = Selectable<UsersTable>;
export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type Affiliate = Selectable<AffiliatesTable>;
export type Enrollment = Selectable<EnrollmentsTable>;
export type AccountToken = Selectable<AccountTokensTable>;
export type OutboxEmail = Selectable<EmailOutboxTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type StripeConnectionRow = Selectable<StripeConnectionsTable>;
export type StripeEventRow = Selectable<StripeEventsTable>;
export type CampaignCoupon = Selectable<CampaignCouponsTable>;
export type AffiliateCoupon = Selectable<AffiliateCouponsTable>;
export type Click = Selectable<ClicksTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type ReferralRow = Selectable<ReferralsTable>;
export type ConversionRow = Selectable<ConversionsTable>;
export type CommissionEntryRow = Selectable<CommissionEntriesTable>;
