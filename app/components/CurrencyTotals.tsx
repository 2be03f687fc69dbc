import { formatMoney } from "~/domain/money";

export interface CurrencyTotalView {
  currency: string;
  count: number;
  amount: number;
  refunded: number;
  revenue: number;
  commission: number;
}

/** One card per currency: never a sum across currencies. */
export function CurrencyTotals({ totals }: { totals: CurrencyTotalView[] }) {
  if (totals.length === 0) return null;
  return (
    <div className="grid" role="list" aria-label="Totals per currency">
      {totals.map((t) => (
        <div key={t.currency} className="card" role="listitem">
          <div className="muted small">
            {t.currency.toUpperCase()} · {t.count} conversion{t.count === 1 ? "" : "s"}
          </div>
          <div className="stat">{formatMoney(t.revenue, t.currency)}</div>
          <div className="muted small">net revenue</div>
          <dl className="details small">
            <dt>Gross</dt>
            <dd>{formatMoney(t.amount, t.currency)}</dd>
            <dt>Refunded</dt>
            <dd>{formatMoney(t.refunded, t.currency)}</dd>
            <dt>Commission</dt>
            <dd>{formatMoney(t.commission, t.currency)}</dd>
          </dl>
        </div>
      ))}
    </div>
  );
}
