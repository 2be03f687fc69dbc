/** Loader and action of an affiliate's Coupons tab: list codes, generate, deactivate, delete. */
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import {
  COUPON_ERROR_STATUS,
  CODE_FORM_FIELDS,
  fieldErrorsFor,
  parseCodeForm,
} from "~/domain/coupon";
import { type FieldErrors, formFields } from "~/domain/forms";
import {
  codeListItem,
  couponOptionLabel,
  listAffiliateCodes,
  listCouponOptionsForAffiliate,
} from "~/services/campaigns/affiliate-code-reads.server";
import {
  createAffiliateCode,
  deactivateAffiliateCode,
  deleteAffiliateCode,
} from "~/services/campaigns/affiliate-codes.server";
import { getAffiliate } from "~/services/affiliates/affiliate-reads.server";
import {
  brandCanCreateCoupons,
  isStripeConnected,
} from "~/services/campaigns/coupon-access.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const [codes, options, canCreate, connected] = await Promise.all([
    listAffiliateCodes(context.db, brand.id, affiliate.id),
    listCouponOptionsForAffiliate(context.db, brand.id, affiliate.id),
    brandCanCreateCoupons(context.db, brand.id),
    isStripeConnected(context.db, brand.id),
  ]);
  const campaigns = new Set(options.map((o) => o.campaign_id));
  return {
    affiliate: { id: affiliate.id, name: affiliate.name, status: affiliate.status },
    codes: codes.map(codeListItem),
    coupons: options.map((o) => ({ id: o.id, label: couponOptionLabel(o, campaigns.size > 1) })),
    canCreate,
    connected,
  };
}

export type ActionData =
  | {
      intent: "create";
      fieldErrors: FieldErrors;
      values: { campaign_coupon_id: string; code: string; commission_rate: string };
    }
  | { intent: "deactivate" | "delete"; message: string; warning: string | null };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const fields = formFields(form);
  const deps = { config: context.config };

  if (fields.intent === "create") {
    const values = {
      campaign_coupon_id: fields.campaign_coupon_id ?? "",
      code: fields.code ?? "",
      commission_rate: fields.commission_rate ?? "",
    };
    const parsed = parseCodeForm(fields, { allowCommission: true });
    if (!parsed.ok) {
      return data<ActionData>(
        { intent: "create", fieldErrors: parsed.fieldErrors, values },
        { status: 400 },
      );
    }
    const result = await createAffiliateCode(
      context.db,
      deps,
      brand.id,
      affiliate.id,
      parsed.input,
      {
        createdBy: "brand",
      },
    );
    if (!result.ok) {
      const known = [...CODE_FORM_FIELDS, "commission_rate_percent"];
      const errors = fieldErrorsFor(result.error, known);
      if (errors.commission_rate_percent) errors.commission_rate = errors.commission_rate_percent;
      return data<ActionData>(
        { intent: "create", fieldErrors: errors, values },
        { status: COUPON_ERROR_STATUS[result.error.type] },
      );
    }
    return redirect(
      `/app/affiliates/${affiliate.id}/coupons?created=${encodeURIComponent(result.code.code)}`,
    );
  }
  if (fields.intent === "deactivate" || fields.intent === "delete") {
    const change = fields.intent === "delete" ? deleteAffiliateCode : deactivateAffiliateCode;
    const result = await change(context.db, deps, brand.id, fields.code_id ?? "");
    if (!result.ok) throw notFound(result.error.message);
    return {
      intent: fields.intent,
      message:
        fields.intent === "delete"
          ? `${result.code.code} was deleted.`
          : `${result.code.code} was deactivated.`,
      warning: result.stripeWarning,
    } satisfies ActionData;
  }
  return data<ActionData>(
    { intent: "delete", message: "", warning: "Unknown action." },
    { status: 400 },
  );
}
