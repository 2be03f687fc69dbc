/** Affiliate status rules. Pure: no I/O. */
import type { AffiliateStatus } from "~/db/schema";

export const AFFILIATE_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "suspended",
] as const satisfies readonly AffiliateStatus[];

export type AffiliateAction = "approve" | "reject" | "suspend" | "reinstate";

/** What each action does, and from which statuses it is allowed. */
export const AFFILIATE_ACTIONS: Record<
  AffiliateAction,
  { to: AffiliateStatus; from: readonly AffiliateStatus[]; label: string }
> = {
  approve: { to: "approved", from: ["pending", "rejected"], label: "Approve" },
  reject: { to: "rejected", from: ["pending"], label: "Reject" },
  suspend: { to: "suspended", from: ["approved"], label: "Suspend" },
  reinstate: { to: "approved", from: ["suspended"], label: "Reinstate" },
};

export function isAffiliateAction(value: unknown): value is AffiliateAction {
  return typeof value === "string" && Object.hasOwn(AFFILIATE_ACTIONS, value);
}

/** The actions a brand can take on an affiliate in this status, in display order. */
export function availableActions(status: AffiliateStatus): AffiliateAction[] {
  return (Object.keys(AFFILIATE_ACTIONS) as AffiliateAction[]).filter((a) =>
    AFFILIATE_ACTIONS[a].from.includes(status),
  );
}

/** Whether `from -> to` is a move the brand may make (staying put is always allowed). */
export function canTransition(from: AffiliateStatus, to: AffiliateStatus): boolean {
  if (from === to) return true;
  return Object.values(AFFILIATE_ACTIONS).some((a) => a.to === to && a.from.includes(from));
}

/** Status of a person joining a campaign: auto-approve approves a pending application, nothing else. */
export function statusOnJoin(
  existing: AffiliateStatus | undefined,
  autoApprove: boolean,
): AffiliateStatus {
  if (existing === undefined) return autoApprove ? "approved" : "pending";
  if (existing === "pending" && autoApprove) return "approved";
  return existing;
}

export const STATUS_LABELS: Record<AffiliateStatus, string> = {
  pending: "Pending",
  approved: "Approved",
  rejected: "Rejected",
  suspended: "Suspended",
};
