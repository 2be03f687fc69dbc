import { formatMoney } from "~/domain/money";

export interface PortalEarningsView {
  brandName: string;
  currency: string;
  commission: number;
  overrides: number;
  clawbacks: number;
  net: number;
}

/** The affiliate's earnings per brand and currency, from the commission ledger. */
export function PortalEarnings({ earnings }: { earnings: PortalEarningsView[] }) {
  return (
    <div className="grid" role="list" aria-label="Earnings per brand and currency">
      {earnings.map((e) => (
        <div key={`${e.brandName}-${e.currency}`} className="card" role="listitem">
          <div className="muted small">
            {e.brandName} · {e.currency.toUpperCase()}
          </div>
          <div className="stat">{formatMoney(e.net, e.currency)}</div>
          <div className="muted small">earned (net)</div>
          <dl className="details small">
            <dt>Commission</dt>
            <dd>{formatMoney(e.commission, e.currency)}</dd>
            {e.overrides ? (
              <>
                <dt>Sub-affiliate overrides</dt>
                <dd>{formatMoney(e.overrides, e.currency)}</dd>
              </>
            ) : null}
            <dt>Refund clawbacks</dt>
            <dd>{formatMoney(e.clawbacks, e.currency)}</dd>
          </dl>
        </div>
      ))}
    </div>
  );
}
