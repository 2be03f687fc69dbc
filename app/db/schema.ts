import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

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
  succeeded: boolean;
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
  created_at: CreatedAt;
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
  created_at: CreatedAt;
  updated_at: Timestamp;
}

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

export interface Database {
  brands: BrandsTable;
  users: UsersTable;
  brand_members: BrandMembersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  campaigns: CampaignsTable;
  affiliates: AffiliatesTable;
  enrollments: EnrollmentsTable;
  api_keys: ApiKeysTable;
  stripe_connections: StripeConnectionsTable;
  stripe_events: StripeEventsTable;
  campaign_coupons: CampaignCouponsTable;
  affiliate_coupons: AffiliateCouponsTable;
  clicks: ClicksTable;
}

export type Brand = Selectable<BrandsTable>;
export type User = Selectable<UsersTable>;
export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type Affiliate = Selectable<AffiliatesTable>;
export type Enrollment = Selectable<EnrollmentsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type StripeConnectionRow = Selectable<StripeConnectionsTable>;
export type StripeEventRow = Selectable<StripeEventsTable>;
export type CampaignCoupon = Selectable<CampaignCouponsTable>;
export type AffiliateCoupon = Selectable<AffiliateCouponsTable>;
export type Click = Selectable<ClicksTable>;
