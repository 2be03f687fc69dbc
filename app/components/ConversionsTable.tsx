import type { ReactNode } from "react";
import type { AttributionMethod, ConversionStatus } from "~/domain/conversion-report";
import { formatMoney } from "~/domain/money";
import { ConversionSource } from "./ConversionSource";
import { ConversionStatusBadge } from "./ConversionStatus";

export interface ConversionRowView {
  id: string;
  occurredAt: string;
  customer: string;
  amount: number;
  refundedAmount: number;
  commissionAmount: number;
  currency: string;
  affiliateId: string | null;
  affiliateName: string | null;
  attributionMethod: AttributionMethod;
  couponCode: string | null;
  status: ConversionStatus;
}

/** "2026-03-01 14:05 UTC" (deterministic on server and client). */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The brand's conversions table: date, customer, amount, commission, affiliate, Source and
 * status, plus a link to each conversion's decision record.
 */
export function ConversionsTable({
  rows,
  caption,
  affiliateLink,
  detailsLink,
}: {
  rows: ConversionRowView[];
  caption: ReactNode;
  affiliateLink?: (row: ConversionRowView) => ReactNode;
  detailsLink?: (row: ConversionRowView) => ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="conversions-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Customer</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Commission
            </th>
            <th scope="col">Affiliate</th>
            <th scope="col">Source</th>
            <th scope="col">Status</th>
            {detailsLink ? (
              <th scope="col">
                <span className="sr-only">Details</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <time dateTime={r.occurredAt}>{formatUtc(r.occurredAt)}</time>
              </td>
              <td className="mono small">{r.customer}</td>
              <td className="num">
                {formatMoney(r.amount, r.currency)}
                {r.refundedAmount > 0 ? (
                  <div className="muted small">
                    −{formatMoney(r.refundedAmount, r.currency)} refunded
                  </div>
                ) : null}
              </td>
              <td className="num">{formatMoney(r.commissionAmount, r.currency)}</td>
              <td>
                {r.affiliateName === null ? (
                  <span className="muted">Not credited</span>
                ) : affiliateLink ? (
                  affiliateLink(r)
                ) : (
                  r.affiliateName
                )}
              </td>
              <td>
                <ConversionSource method={r.attributionMethod} code={r.couponCode} />
              </td>
              <td>
                <ConversionStatusBadge status={r.status} />
              </td>
              {detailsLink ? <td>{detailsLink(r)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
