import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { ConversionSource } from "~/components/ConversionSource";
import { ConversionStatusBadge } from "~/components/ConversionStatus";
import { formatUtc } from "~/components/ConversionsTable";
import { DecisionRecord, type DecisionView } from "~/components/DecisionRecord";
import { formatMoney } from "~/domain/money";
import { getConversionDetail } from "~/services/conversions/conversion-detail.server";

export const meta: MetaFunction = () => [{ title: "Conversion · Rekomi" }];

const LEDGER_KIND: Record<string, string> = {
  commission: "Commission",
  override: "Sub-affiliate override",
  clawback: "Clawback (refund)",
  override_clawback: "Override clawback (refund)",
};

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const detail = await getConversionDetail(context.db, brand.id, params.conversionId ?? "");
  if (!detail) throw notFound("Conversion not found");
  return detail;
}

export default function ConversionDetail() {
  const {
    conversion: c,
    campaignName,
    affiliateName,
    affiliateNames,
    campaignNames,
    ledger,
  } = useLoaderData<typeof loader>();
  const stripe = Object.entries(c.stripe).filter(([, v]) => v);
  return (
    <>
      <p className="small">
        <Link to="/app/conversions">← Conversions</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {formatMoney(c.amount, c.currency)} ·{" "}
            <ConversionSource method={c.attribution_method} code={c.coupon_code} />
          </h1>
          <p className="muted">
            <time dateTime={c.occurred_at}>{formatUtc(c.occurred_at)}</time> ·{" "}
            {affiliateName && c.affiliate_id ? (
              <Link to={`/app/affiliates/${c.affiliate_id}`}>{affiliateName}</Link>
            ) : (
              "Not credited to an affiliate"
            )}
            {campaignName ? ` · ${campaignName}` : ""}
          </p>
        </div>
        <ConversionStatusBadge status={c.status} />
      </div>

      <div className="stack">
        <DecisionRecord
          decision={c.decision as DecisionView}
          affiliateNames={affiliateNames}
          campaignNames={campaignNames}
        />

        <section aria-labelledby="money-heading" className="card">
          <h2 id="money-heading" style={{ marginTop: 0 }}>
            Amounts
          </h2>
          <dl className="details">
            <dt>Amount paid</dt>
            <dd>{formatMoney(c.amount, c.currency)}</dd>
            <dt>Refunded</dt>
            <dd>{formatMoney(c.refunded_amount, c.currency)}</dd>
            <dt>Affiliate commission (net)</dt>
            <dd>{formatMoney(c.commission_amount, c.currency)}</dd>
            {c.override_amount ? (
              <>
                <dt>Sub-affiliate override (net)</dt>
                <dd>{formatMoney(c.override_amount, c.currency)}</dd>
              </>
            ) : null}
          </dl>
          <h3>Ledger</h3>
          {ledger.length === 0 ? (
            <p className="muted">No commission entries: nobody earned on this sale.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Commission ledger entries for this conversion</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Entry</th>
                    <th scope="col">Affiliate</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <time dateTime={e.createdAt}>{formatUtc(e.createdAt)}</time>
                      </td>
                      <td>{LEDGER_KIND[e.kind] ?? e.kind}</td>
                      <td>{e.affiliateName ?? "A removed affiliate"}</td>
                      <td className="num">{formatMoney(e.amount, e.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section aria-labelledby="ids-heading" className="card">
          <h2 id="ids-heading" style={{ marginTop: 0 }}>
            References
          </h2>
          <dl className="details small">
            <dt>Conversion id</dt>
            <dd className="mono">{c.id}</dd>
            {c.external_id ? (
              <>
                <dt>Your id (S2S)</dt>
                <dd className="mono">{c.external_id}</dd>
              </>
            ) : null}
            {stripe.map(([k, v]) => (
              <div key={k} style={{ display: "contents" }}>
                <dt>Stripe {k.replace(/_id$/, "").replace(/_/g, " ")}</dt>
                <dd className="mono">{v}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
    </>
  );
}
