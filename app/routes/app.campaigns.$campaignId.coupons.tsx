import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CouponForm, CouponSettingsForm } from "~/components/CouponForm";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { UpgradeNotice } from "~/components/UpgradeNotice";
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
  createCampaignCoupon,
  deleteCampaignCoupon,
  isStripeConnected,
  listCampaignCoupons,
  retryStripeCouponDeletion,
  updateCampaignCoupon,
} from "~/services/campaigns/campaign-coupons.server";
import { getCampaign } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.campaign.name ?? "Campaign"} · Coupons · Rekomi` },
];

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

type ActionData =
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

export default function CampaignCoupons() {
  const { canCreate, connected, coupons, deleting, defaults } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const createFailed = actionData?.intent === "create" ? actionData : undefined;
  const busy = (intent: string, id: string) =>
    navigation.state === "submitting" &&
    navigation.formData?.get("intent") === intent &&
    navigation.formData?.get("coupon_id") === id;
  return (
    <>
      {actionData && "message" in actionData ? (
        <div className={`alert ${actionData.error ? "error" : "success"}`} role="status">
          {actionData.message}
        </div>
      ) : null}
      <div className="section-header">
        <h2 style={{ margin: 0 }}>Coupons</h2>
        <p className="muted">
          Each coupon is a Stripe coupon on your account. Give affiliates their own codes for it
          from an affiliate&apos;s <strong>Coupons</strong> tab; customers type the code at Stripe
          Checkout and the sale is credited to that affiliate.
        </p>
      </div>
      {coupons.length === 0 ? (
        <EmptyState title="No coupons yet" headingLevel={3}>
          <p>
            Create a coupon, e.g. 20% off the first month, then generate codes like SARAH20 for your
            affiliates.
          </p>
        </EmptyState>
      ) : (
        <ul className="coupon-list">
          {coupons.map((c) => {
            const update =
              actionData?.intent === "update" && actionData.couponId === c.id
                ? actionData
                : undefined;
            return (
              <li key={c.id} className="card" aria-labelledby={`coupon-${c.id}`}>
                <div className="row" style={{ justifyContent: "space-between" }}>
                  <h3 id={`coupon-${c.id}`} style={{ margin: 0 }}>
                    {c.name}
                  </h3>
                  {c.active ? (
                    <span className="badge approved">Active</span>
                  ) : (
                    <span className="badge danger">{c.inactiveLabel}</span>
                  )}
                </div>
                <p className="discount-headline">{c.discount}</p>
                {c.stripePending ? (
                  <div className="muted small" role="status">
                    {c.stripeCouponId ? "Updating in Stripe…" : "Creating in Stripe…"}
                    {c.stripeSyncError ? ` (${c.stripeSyncError}) Rekomi keeps retrying.` : null}
                  </div>
                ) : null}
                {!c.active ? (
                  <div className="alert warning" role="note">
                    This coupon was deleted in your Stripe dashboard, so it and its codes no longer
                    give discounts. Create a new coupon to keep offering one.
                  </div>
                ) : null}
                <dl className="details-list">
                  <dt>Duration</dt>
                  <dd>{c.duration}</dd>
                  <dt>Max redemptions</dt>
                  <dd>{c.maxRedemptions ?? "No limit"}</dd>
                  <dt>Redeem by</dt>
                  <dd>
                    {c.redeemBy ? <time dateTime={c.redeemBy}>{c.redeemBy}</time> : "No expiry"}
                  </dd>
                  <dt>Codes</dt>
                  <dd>
                    {c.activeCodeCount} active
                    {c.codeCount !== c.activeCodeCount ? ` of ${c.codeCount}` : ""}
                  </dd>
                  <dt>Click vs. code</dt>
                  <dd>{c.overridesClickAttribution ? "The code wins" : "The click wins"}</dd>
                  <dt>Self-service codes</dt>
                  <dd>{c.allowSelfService ? "Allowed" : "Off"}</dd>
                  <dt>Stripe coupon</dt>
                  <dd className="mono">{c.stripeCouponId}</dd>
                </dl>
                {update?.saved ? (
                  <div className="alert success" role="status">
                    Coupon saved.
                  </div>
                ) : null}
                <details className="coupon-edit" open={Boolean(update?.fieldErrors)}>
                  <summary>Edit name and settings</summary>
                  <CouponSettingsForm
                    couponId={c.id}
                    values={{
                      name: c.name,
                      overrides_click_attribution: c.overridesClickAttribution ? "on" : "",
                      allow_affiliate_self_service: c.allowSelfService ? "on" : "",
                    }}
                    errors={update?.fieldErrors ?? {}}
                  />
                </details>
                <details className="coupon-delete">
                  <summary>Delete coupon…</summary>
                  <p className="muted small">
                    Its {c.codeCount} code{c.codeCount === 1 ? "" : "s"} stop working immediately
                    and the Stripe coupon is deleted. Customers who already have the discount keep
                    it.
                  </p>
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="delete" />
                    <input type="hidden" name="coupon_id" value={c.id} />
                    <button type="submit" className="danger" disabled={busy("delete", c.id)}>
                      Delete “{c.name}”
                    </button>
                  </Form>
                </details>
              </li>
            );
          })}
        </ul>
      )}
      {deleting.length > 0 ? (
        <section className="card" aria-labelledby="deleting-heading">
          <h3 id="deleting-heading" style={{ marginTop: 0 }}>
            Removing from Stripe
          </h3>
          <ul className="plain-list">
            {deleting.map((c) => (
              <li key={c.id}>
                <strong>{c.name}</strong> <span className="mono small">{c.stripeCouponId}</span>
                {c.stripeSyncError ? (
                  <div className="error small">
                    Stripe could not delete it yet: {c.stripeSyncError} Rekomi retries
                    automatically.
                    <Form method="post" className="inline-form">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="retry_delete" />
                      <input type="hidden" name="coupon_id" value={c.id} />{" "}
                      <button type="submit" className="link" disabled={busy("retry_delete", c.id)}>
                        Retry now
                      </button>
                    </Form>
                  </div>
                ) : (
                  <span className="muted small"> — deletion in progress</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>Create a coupon</h2>
      {!canCreate ? (
        <UpgradeNotice what="coupons" />
      ) : !connected ? (
        <div className="alert info" role="status">
          Connect your Stripe account first: coupons are created in Stripe with your key.{" "}
          <Link to="/app/settings/stripe">Connect Stripe</Link>
        </div>
      ) : (
        <CouponForm
          key={coupons.length}
          values={createFailed?.values ?? defaults}
          errors={createFailed?.fieldErrors ?? {}}
          errorTrigger={createFailed}
        />
      )}
    </>
  );
}
