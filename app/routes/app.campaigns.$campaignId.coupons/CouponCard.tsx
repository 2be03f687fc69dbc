/** One campaign coupon: its terms, Stripe state, the settings form and Delete (asks in a disclosure). */
import type { SerializeFrom } from "@remix-run/node";
import { CouponSettingsForm } from "~/components/CouponForm";
import { ConfirmAction } from "~/components/ConfirmAction";
import type { ActionData, loader } from "./coupons.server";

type CouponView = SerializeFrom<typeof loader>["coupons"][number];
type UpdateResult = Extract<ActionData, { intent: "update" }>;

export function CouponCard({
  coupon: c,
  update,
  busy,
}: {
  coupon: CouponView;
  update: UpdateResult | undefined;
  busy: (intent: string, id: string) => boolean;
}) {
  return (
    <li className="card" aria-labelledby={`coupon-${c.id}`}>
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
          This coupon was deleted in your Stripe dashboard, so it and its codes no longer give
          discounts. Create a new coupon to keep offering one.
        </div>
      ) : null}
      <dl className="details-list">
        <dt>Duration</dt>
        <dd>{c.duration}</dd>
        <dt>Max redemptions</dt>
        <dd>{c.maxRedemptions ?? "No limit"}</dd>
        <dt>Redeem by</dt>
        <dd>{c.redeemBy ? <time dateTime={c.redeemBy}>{c.redeemBy}</time> : "No expiry"}</dd>
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
      <ConfirmAction
        fields={{ intent: "delete", coupon_id: c.id }}
        label="Delete coupon"
        ariaLabel={`Delete coupon “${c.name}”`}
        title={`Delete “${c.name}”?`}
        confirmLabel={`Delete “${c.name}”`}
        disabled={busy("delete", c.id)}
        formClassName="coupon-delete"
      >
        <p>
          The Stripe coupon is deleted and its {c.codeCount} code{c.codeCount === 1 ? "" : "s"} stop
          working at once: customers typing them at Checkout get no discount. Customers who already
          have the discount keep it, and commissions already earned stay.
        </p>
      </ConfirmAction>
    </li>
  );
}
