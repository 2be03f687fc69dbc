import { Link } from "@remix-run/react";
import { PLAN_REQUIRED_MESSAGE } from "~/domain/plan";

/** Shown instead of coupon/code creation forms when the brand's plan does not include them. */
export function UpgradeNotice({ what = "coupons and affiliate codes" }: { what?: string }) {
  return (
    <div className="alert warning upgrade-notice" role="status">
      <strong>Upgrade to create {what}.</strong> {PLAN_REQUIRED_MESSAGE}{" "}
      <Link to="/app/settings">See your plan</Link>
    </div>
  );
}
