import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAffiliateUser } from "~/auth/guards.server";
import { ConversionSource } from "~/components/ConversionSource";
import { ConversionStatusBadge } from "~/components/ConversionStatus";
import { formatUtc } from "~/components/ConversionsTable";
import { EmptyState } from "~/components/EmptyState";
import { PortalEarnings } from "~/components/PortalEarnings";
import { formatMoney } from "~/domain/money";
import {
  listPortalConversions,
  portalEarnings,
} from "~/services/conversions/portal-conversions.server";

export const meta: MetaFunction = () => [{ title: "My earnings · Rekomi" }];

const PAGE_SIZE = 25;

/**
 * The affiliate's own conversions and earnings across the brands they work with. Only their own
 * affiliate rows are queried; no customer, Stripe or other affiliates' data is loaded.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { affiliates } = await requireAffiliateUser(request, context);
  const ids = affiliates.map((a) => a.id);
  const url = new URL(request.url);
  const [page, earnings] = await Promise.all([
    listPortalConversions(context.db, ids, {
      limit: PAGE_SIZE,
      after: url.searchParams.get("after"),
      before: url.searchParams.get("before"),
    }),
    portalEarnings(context.db, ids),
  ]);
  return { page, earnings };
}

export default function AffiliateEarnings() {
  const { page, earnings } = useLoaderData<typeof loader>();
  const nothing = earnings.length === 0 && page.items.length === 0 && !page.newer;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>My earnings</h1>
          <p className="muted">The sales credited to you and the commission you earned on them.</p>
        </div>
      </div>
      {nothing ? (
        <EmptyState title="No sales yet">
          <p>
            When a customer buys through your referral link or with your code, the sale and your
            commission show up here. <Link to="/a">Find your links and codes</Link>.
          </p>
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby="earnings-heading">
            <h2 id="earnings-heading">Earnings</h2>
            {earnings.length === 0 ? (
              <p className="muted">No commission yet.</p>
            ) : (
              <PortalEarnings earnings={earnings} />
            )}
          </section>
          <section aria-labelledby="sales-heading">
            <h2 id="sales-heading">Your sales</h2>
            {page.items.length === 0 ? (
              <p className="muted">No sales on this page.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption className="sr-only">Sales credited to you, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Date</th>
                      <th scope="col">Brand</th>
                      <th scope="col">Campaign</th>
                      <th scope="col">Source</th>
                      <th scope="col" className="num">
                        Sale
                      </th>
                      <th scope="col" className="num">
                        Your commission
                      </th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((c) => (
                      <tr key={c.id}>
                        <td>
                          <time dateTime={c.occurredAt}>{formatUtc(c.occurredAt)}</time>
                        </td>
                        <td>{c.brandName}</td>
                        <td>{c.campaignName ?? "—"}</td>
                        <td>
                          <ConversionSource method={c.attributionMethod} code={c.couponCode} />
                        </td>
                        <td className="num">{formatMoney(c.amount, c.currency)}</td>
                        <td className="num">{formatMoney(c.commissionAmount, c.currency)}</td>
                        <td>
                          <ConversionStatusBadge status={c.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav aria-label="Sales pages" className="row pager">
              {page.newer ? (
                <Link to={`?before=${page.newer}`} rel="prev">
                  ← Newer
                </Link>
              ) : null}
              {page.older ? (
                <Link to={`?after=${page.older}`} rel="next">
                  Older →
                </Link>
              ) : null}
            </nav>
          </section>
        </>
      )}
    </>
  );
}
