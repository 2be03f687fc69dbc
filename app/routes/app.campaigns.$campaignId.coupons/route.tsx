/**
 * A campaign's Coupons tab: its Stripe coupons, those still being removed from Stripe, and the
 * create form. Loader and action: ./coupons.server.ts.
 */
import type { MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { CouponForm } from "~/components/CouponForm";
import { EmptyState } from "~/components/EmptyState";
import { UpgradeNotice } from "~/components/UpgradeNotice";
import type { ActionData, loader } from "./coupons.server";
import { CouponCard } from "./CouponCard";
import { DeletingList } from "./DeletingList";

export { action, loader } from "./coupons.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.campaign.name ?? "Campaign"} · Coupons · Rekomi` },
];

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
            Create a coupon, e.g. 20% off the first payment, then generate codes like SARAH20 for
            your affiliates.
          </p>
        </EmptyState>
      ) : (
        <ul className="coupon-list">
          {coupons.map((c) => {
            const update =
              actionData?.intent === "update" && actionData.couponId === c.id
                ? actionData
                : undefined;
            return <CouponCard key={c.id} coupon={c} update={update} busy={busy} />;
          })}
        </ul>
      )}
      {deleting.length > 0 ? <DeletingList deleting={deleting} busy={busy} /> : null}
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
