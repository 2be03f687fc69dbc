import type { StripeEventStatus } from "~/db/schema";

const STATUS_BADGE: Record<StripeEventStatus, { className: string; label: string }> = {
  pending: { className: "badge pending", label: "Pending" },
  processed: { className: "badge approved", label: "Processed" },
  ignored: { className: "badge", label: "Ignored" },
  failed: { className: "badge rejected", label: "Failed" },
};

/** Where a received Stripe webhook event stands, as a labelled badge. */
export function StripeEventStatusBadge({ status }: { status: StripeEventStatus }) {
  const { className, label } = STATUS_BADGE[status];
  return <span className={className}>{label}</span>;
}
