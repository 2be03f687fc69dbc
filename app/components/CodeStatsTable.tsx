import { formatMoney } from "~/domain/money";

export interface CodeStatsView {
  id: string;
  code: string;
  couponName: string;
  campaignName: string;
  active: boolean;
  deleted: boolean;
  redemptions: number;
  conversions: number;
  byCurrency: { currency: string; conversions: number; revenue: number; commission: number }[];
}

function moneyList(items: { currency: string; value: number }[]): string {
  return items.length === 0 ? "—" : items.map((i) => formatMoney(i.value, i.currency)).join(" · ");
}

/** Per-code stats: redemptions (Stripe-side counter), conversions, net revenue and commission. */
export function CodeStatsTable({ codes }: { codes: CodeStatsView[] }) {
  return (
    <>
      <div className="table-wrap">
        <table className="code-stats">
          <caption className="sr-only">Results per affiliate code</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Coupon</th>
              <th scope="col" className="num">
                Redemptions
              </th>
              <th scope="col" className="num">
                Conversions
              </th>
              <th scope="col" className="num">
                Revenue (net)
              </th>
              <th scope="col" className="num">
                Commission
              </th>
            </tr>
          </thead>
          <tbody>
            {codes.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  <span className="mono">{c.code}</span>
                  {c.deleted ? (
                    <span className="muted small"> (deleted)</span>
                  ) : !c.active ? (
                    <span className="muted small"> (inactive)</span>
                  ) : null}
                </th>
                <td>
                  {c.couponName}
                  <div className="muted small">{c.campaignName}</div>
                </td>
                <td className="num">{c.redemptions}</td>
                <td className="num">{c.conversions}</td>
                <td className="num">
                  {moneyList(c.byCurrency.map((b) => ({ currency: b.currency, value: b.revenue })))}
                </td>
                <td className="num">
                  {moneyList(
                    c.byCurrency.map((b) => ({ currency: b.currency, value: b.commission })),
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        <strong>Redemptions</strong> count customers who used the code at Checkout (Stripe counts
        each customer once). <strong>Conversions</strong> count every credited payment, renewals
        included, so they can be higher.
      </p>
    </>
  );
}
