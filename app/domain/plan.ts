/**
 * Plan gating (pure, no I/O). Campaign coupons and affiliate codes are a Growth/Scale feature, also
 * open while the 14-day trial runs. Gating only stops *creating* new ones: codes made before a
 * downgrade keep attributing.
 */
import type { Plan } from "~/db/schema";

export const COUPON_PLANS: readonly Plan[] = ["growth", "scale"];

export interface PlanState {
  plan: Plan;
  trial_ends_at: Date | string;
}

/** Whether the brand may create campaign coupons and affiliate codes right now. */
export function canCreateCoupons(brand: PlanState, now: Date = new Date()): boolean {
  if (COUPON_PLANS.includes(brand.plan)) return true;
  return new Date(brand.trial_ends_at).getTime() > now.getTime();
}

export const PLAN_REQUIRED_MESSAGE =
  "Coupons and affiliate codes need the Growth or Scale plan, or an active trial. Codes created earlier keep working.";
