import type { AffiliateStatus } from "~/db/schema";
import { STATUS_LABELS } from "~/domain/affiliate";

/** An affiliate's status as a coloured badge (the text carries the meaning, not the colour). */
export function StatusBadge({ status }: { status: AffiliateStatus }) {
  return <span className={`badge ${status}`}>{STATUS_LABELS[status]}</span>;
}
