/** Loader and action of a campaign's Coupons tab: list, create, edit, delete, retry deletion. */
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import {
  COUPON_ERROR_STATUS,
  COUPON_FORM_FIELDS,
  type CouponError,
  type CouponFormValues,
  describeDiscount,
  fieldErrorsFor,
  inactiveLabel,
  NEW_COUPON_VALUES,
  parseCouponForm,
  parseCouponUpdateForm,
} from "~/domain/coupon";
import { type FieldErrors, formFields } from "~/domain/forms";
import {
  brandCanCreateCoupons,
  isStripeConnected,
} from "~/services/campaigns/coupon-access.server";
import {
  createCampaignCoupon,
  deleteCampaignCoupon,
  updateCampaignCoupon,
} from "~/services/campaigns/campaign-coupons.server";
import { retryStripeCouponDeletion } from "~/services/campaigns/campaign-coupon-deletion.server";
import { listCampaignCoupons } from "~/services/campaigns/campaign-coupon-reads.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";

const DURATION_LABELS = { once: "First payment only", repeating: "Repeating", forever: "Forever" };
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const campaign = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!campaign) throw notFound("Campaign not found");
  const [coupons, canCreate, connected] = await Promise.all([
    listCampaignCoupons(context.db, brand.id, campaign.id, { includeDeleting: true }),
    brandCanCreateCoupons(context.db, brand.id),
    isStripeConnected(context.db, brand.id),
  ]);
  const view = coupons.map((c) => ({
    id: c.id,
    name: c.name,
    discount: describeDiscount(c),
    duration:
      c.duration === "repeating"
        ? `${c.duration_in_months} month${c.duration_in_months === 1 ? "" : "s"}`
        : DURATION_LABELS[c.duration],
    maxRedemptions: c.max_redemptions,
    redeemBy: day(c.redeem_by),
    overridesClickAttribution: c.overrides_click_attribution,
    allowSelfService: c.allow_affiliate_self_service,
    stripeCouponId: c.stripe_coupon_id,
    active: c.active,
    inactiveLabel: c.active ? null : inactiveLabel(c.inactive_reason),
    stripeSyncError: c.stripe_sync_error,
    stripePending: c.stripe_status === "pending_stripe",
    codeCount: c.code_count,
    activeCodeCount: c.active_code_count,
  }));
  return {
    campaign: { id: campaign.id, name: campaign.name },
    canCreate,
    connected,
    coupons: view.filter((_, i) => coupons[i].deleted_at === null),
    deleting: view.filter((_, i) => coupons[i].deleted_at !== null),
    defaults: NEW_COUPON_VALUES,
  };
}

export type ActionData =
  | { intent: "create"; fieldErrors: FieldErrors; values: CouponFormValues }
  | { intent: "update"; couponId: string; fieldErrors: FieldErrors | null; saved: boolean }
  | { intent: "delete" | "retry_delete"; message: string; error?: boolean };

function status(error: CouponError): number {
  return COUPON_ERROR_STATUS[error.type];
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const campaign = await getCampaign(context.db, brand.id, params.campaignId ?? "");
  if (!campaign) throw notFound("Campaign not found");
  const fields = formFields(form);
  const deps = { config: context.config };
  const couponId = fields.coupon_id ?? "";

  switch (fields.intent) {
    case "create": {
      const parsed = parseCouponForm(fields);
      if (!parsed.ok) {
        return data<ActionData>(
          { intent: "create", fieldErrors: parsed.fieldErrors, values: parsed.values },
          { status: 400 },
        );
      }
      const result = await createCampaignCoupon(
        context.db,
        deps,
        brand.id,
        campaign.id,
        parsed.input,
      );
      if (!result.ok) {
        if (result.error.type === "not_found") throw notFound(result.error.message);
        const values = Object.fromEntries(
          COUPON_FORM_FIELDS.map((k) => [k, fields[k] ?? ""]),
        ) as CouponFormValues;
        return data<ActionData>(
          {
            intent: "create",
            fieldErrors: fieldErrorsFor(result.error, COUPON_FORM_FIELDS),
            values,
          },
          { status: status(result.error) },
        );
      }
      return redirect(`/app/campaigns/${campaign.id}/coupons?created=${result.coupon.id}`);
    }
    case "update": {
      const result = await updateCampaignCoupon(
        context.db,
        deps,
        brand.id,
        couponId,
        parseCouponUpdateForm(fields),
      );
      if (!result.ok) {
        if (result.error.type === "not_found") throw notFound(result.error.message);
        return data<ActionData>(
          {
            intent: "update",
            couponId,
            fieldErrors: fieldErrorsFor(result.error, ["name"]),
            saved: false,
          },
          { status: status(result.error) },
        );
      }
      return { intent: "update", couponId, fieldErrors: null, saved: true } satisfies ActionData;
    }
    case "delete": {
      const result = await deleteCampaignCoupon(context.db, brand.id, couponId);
      if (!result.ok) throw notFound(result.error.message);
      return {
        intent: "delete",
        message: `“${result.coupon.name}” was deleted. Its codes stopped working; Rekomi is removing the coupon from Stripe.`,
      } satisfies ActionData;
    }
    case "retry_delete": {
      const result = await retryStripeCouponDeletion(context.db, brand.id, couponId);
      if (!result.ok) throw notFound(result.error.message);
      return {
        intent: "retry_delete",
        message: "Trying to delete the coupon in Stripe again.",
      } satisfies ActionData;
    }
    default:
      return data<ActionData>(
        { intent: "delete", message: "Unknown action.", error: true },
        { status: 400 },
      );
  }
}
