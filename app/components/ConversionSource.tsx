import { type AttributionMethod, sourceLabel } from "~/domain/conversion-report";

/** The Source column: "Coupon · SARAH20", "Link" or "S2S". */
export function ConversionSource({
  method,
  code,
}: {
  method: AttributionMethod;
  code: string | null;
}) {
  return <span className={`source source-${method}`}>{sourceLabel(method, code)}</span>;
}
