import { CONVERSION_STATUS_LABELS, type ConversionStatus } from "~/domain/conversion-report";

const TONE: Record<ConversionStatus, string> = {
  approved: "success",
  partially_refunded: "warning",
  refunded: "danger",
};

/** A conversion's status as a badge (the text carries the meaning, not the colour). */
export function ConversionStatusBadge({ status }: { status: ConversionStatus }) {
  return <span className={`badge ${TONE[status]}`}>{CONVERSION_STATUS_LABELS[status]}</span>;
}
