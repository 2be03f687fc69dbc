/** Loader of "Set up tracking": the brand's values for the snippet and what Rekomi has received. */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireBrandUser } from "~/auth/guards.server";
import { trackingStatus } from "~/services/setup/tracking-status.server";
import { isStripeConnected } from "~/services/campaigns/coupon-access.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const [status, connected] = await Promise.all([
    trackingStatus(context.db, brand.id),
    isStripeConnected(context.db, brand.id),
  ]);
  return {
    appUrl: context.config.appUrl,
    cookieDays: status.cookieDays,
    connected,
    lastClick: status.lastClick
      ? { ...status.lastClick, at: status.lastClick.at.toISOString() }
      : null,
    lastStripeEvent: status.lastStripeEvent
      ? { ...status.lastStripeEvent, at: status.lastStripeEvent.at.toISOString() }
      : null,
  };
}
