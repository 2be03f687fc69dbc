/**
 * Session-auth JSON: `GET` lists the affiliate's codes, `POST {campaign_coupon_id, code?,
 * commission_rate_percent?}` creates one (CSRF token in the `X-CSRF-Token` header). Another
 * brand's affiliate -> 404. A code Stripe has not confirmed yet answers 202.
 */
import { sessionCouponResource } from "~/api/session-coupon-resource.server";

export const { loader, action } = sessionCouponResource("affiliate_codes");
