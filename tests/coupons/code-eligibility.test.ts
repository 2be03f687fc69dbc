import { describe, expect, it } from "vitest";
import { type CodeEligibilityInput, codeEligibilityError } from "../../app/domain/code-eligibility";

const now = new Date("2026-03-01T12:00:00Z");
const ok: CodeEligibilityInput = {
  affiliate: { name: "Sarah", status: "approved" },
  coupon: { active: true, stripe_coupon_id: "co_1", stripe_status: "synced", redeem_by: null },
  enrolled: true,
  now,
};
const STILL_CREATING = "This coupon is still being created in Stripe; try again in a moment.";
const NO_LONGER_WORKS = "This coupon no longer works in Stripe, so it cannot get new codes.";
const EXPIRED = "This coupon has expired, so it cannot get new codes.";

interface Change {
  affiliate?: CodeEligibilityInput["affiliate"];
  coupon?: Partial<CodeEligibilityInput["coupon"]>;
  enrolled?: boolean;
}
type Case = [string, Change, string | null, string?];

const cases: Case[] = [
  ["eligible", {}, null],
  ["pending affiliate is eligible", { affiliate: { name: "Sarah", status: "pending" } }, null],
  [
    "coupon still pending in Stripe",
    { coupon: { stripe_status: "pending_stripe" } },
    STILL_CREATING,
    "campaign_coupon_id",
  ],
  ["coupon inactive", { coupon: { active: false } }, NO_LONGER_WORKS, "campaign_coupon_id"],
  [
    "inactive and pending",
    { coupon: { active: false, stripe_status: "pending_stripe" } },
    NO_LONGER_WORKS,
    "campaign_coupon_id",
  ],
  [
    "no Stripe coupon",
    { coupon: { stripe_coupon_id: null } },
    NO_LONGER_WORKS,
    "campaign_coupon_id",
  ],
  ["expired exactly now", { coupon: { redeem_by: now } }, EXPIRED, "campaign_coupon_id"],
  [
    "expired (string date)",
    { coupon: { redeem_by: "2026-02-01T00:00:00Z" } },
    EXPIRED,
    "campaign_coupon_id",
  ],
  ["expires later", { coupon: { redeem_by: new Date(now.getTime() + 1000) } }, null],
  [
    "rejected affiliate",
    { affiliate: { name: "Sarah", status: "rejected" } },
    "Sarah is rejected; approve them before giving them codes.",
  ],
  [
    "suspended affiliate",
    { affiliate: { name: "Sarah", status: "suspended" } },
    "Sarah is suspended; approve them before giving them codes.",
  ],
  [
    "not enrolled",
    { enrolled: false },
    "Sarah is not enrolled in this coupon's campaign.",
    "campaign_coupon_id",
  ],
  [
    "expired beats suspended",
    { coupon: { redeem_by: now }, affiliate: { name: "Sarah", status: "suspended" } },
    EXPIRED,
    "campaign_coupon_id",
  ],
  [
    "suspended beats not enrolled",
    { affiliate: { name: "Sarah", status: "suspended" }, enrolled: false },
    "Sarah is suspended; approve them before giving them codes.",
  ],
];

describe("codeEligibilityError", () => {
  it.each(cases)("%s", (_name, change, message, param) => {
    const input = { ...ok, ...change, coupon: { ...ok.coupon, ...change.coupon } };
    const error = codeEligibilityError(input);
    if (message === null) expect(error).toBeNull();
    else {
      expect(error).toEqual(
        param ? { type: "invalid_request", message, param } : { type: "invalid_request", message },
      );
    }
  });
});
