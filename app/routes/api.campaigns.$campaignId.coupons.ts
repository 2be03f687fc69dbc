/**
 * Session-auth JSON: `GET` lists the campaign's coupons, `POST` creates one (body as in the REST
 * API; CSRF token in the `X-CSRF-Token` header). Another brand's campaign -> 404.
 */
import { sessionCouponResource } from "~/api/session-coupon-resource.server";

export const { loader, action } = sessionCouponResource("campaign_coupons");
