import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";
import { ConversionFiltersForm } from "~/components/ConversionFiltersForm";
import { ConversionsChart } from "~/components/ConversionsChart";
import { ConversionsTable } from "~/components/ConversionsTable";
import { CurrencyTotals } from "~/components/CurrencyTotals";
import { EmptyState } from "~/components/EmptyState";
import {
  type ConversionFilterValues,
  filterQueryString,
  parseConversionFilterParams,
  type ParsedConversionFilters,
} from "~/domain/conversion-report";
import {
  affiliateOptions,
  type ConversionItemsPage,
  hasAnyConversion,
  listConversionItems,
} from "~/services/conversions/conversion-lists.server";
import {
  type ConversionSeries,
  conversionSeries,
  conversionTotals,
  type CurrencyTotal,
} from "~/services/conversions/conversion-totals.server";

export const meta: MetaFunction = () => [{ title: "Conversions · Rekomi" }];

const PAGE_SIZE = 25;

interface ConversionsPageData {
  values: ConversionFilterValues;
  errors: ParsedConversionFilters["errors"];
  filtered: boolean;
  affiliates: { id: string; name: string }[];
  page: ConversionItemsPage;
  totals: CurrencyTotal[];
  chart: ConversionSeries;
  /** Whether the brand has any conversion at all (for the first-run empty state). */
  anyAtAll: boolean;
  exportHref: string;
}

/**
 * Brand conversions: filters (GET query), totals per currency, revenue/commission by source over
 * time, and the keyset-paginated table (Older/Newer). Invalid filters are shown on their fields
 * and the list is not widened silently: nothing is listed until they are fixed.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const url = new URL(request.url);
  const { filters, values, errors } = parseConversionFilterParams(url.searchParams);
  const invalid = Object.keys(errors).length > 0;
  // Every read at once (each is an index probe or a read of the daily rollup).
  const [affiliates, list] = await Promise.all([
    affiliateOptions(context.db, brand.id),
    invalid
      ? null
      : Promise.all([
          listConversionItems(context.db, brand.id, filters, {
            limit: PAGE_SIZE,
            after: url.searchParams.get("after"),
            before: url.searchParams.get("before"),
          }),
          conversionTotals(context.db, brand.id, filters),
          conversionSeries(context.db, brand.id, filters),
          hasAnyConversion(context.db, brand.id),
        ]),
  ]);
  const body: ConversionsPageData = {
    values,
    errors,
    filtered: Object.values(values).some(Boolean),
    affiliates: affiliates.map((a) => ({ id: a.id, name: a.name })),
    page: list?.[0] ?? { items: [], older: null, newer: null },
    totals: list?.[1] ?? [],
    chart: list?.[2] ?? { granularity: "day", series: [] },
    anyAtAll: list?.[3] ?? true,
    exportHref: `/app/conversions/export.csv${filterQueryString(values)}`,
  };
  return invalid ? data(body, { status: 400 }) : body;
}

export default function Conversions() {
  const { values, errors, filtered, affiliates, page, totals, chart, anyAtAll, exportHref } =
    useLoaderData<ConversionsPageData>();
  const invalid = Object.keys(errors).length > 0;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Conversions</h1>
          <p className="muted">
            Every sale credited through a referral link, an affiliate code or an S2S report.
          </p>
        </div>
        <a className="button" href={exportHref} download>
          Export CSV
        </a>
      </div>

      <section aria-labelledby="filters-heading" className="card">
        <h2 id="filters-heading" style={{ marginTop: 0 }}>
          Filters
        </h2>
        <ConversionFiltersForm
          form={Form}
          values={values}
          errors={errors}
          affiliates={affiliates}
          resetHref="/app/conversions"
        />
      </section>

      {invalid ? (
        <div className="alert error" role="alert">
          Fix the highlighted filters to see conversions.
        </div>
      ) : !anyAtAll ? (
        <EmptyState title="No conversions yet">
          <p>
            Conversions appear here when a customer pays after following an affiliate&apos;s link,
            pays with an affiliate&apos;s code, or when your server reports a sale through the API.{" "}
            <Link to="/app/settings/stripe">Connect Stripe</Link> and share your campaign&apos;s
            links and codes to get started.
          </p>
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby="totals-heading">
            <h2 id="totals-heading">Totals{filtered ? " (filtered)" : ""}</h2>
            {totals.length === 0 ? (
              <p className="muted">No conversions match these filters.</p>
            ) : (
              <CurrencyTotals totals={totals} />
            )}
          </section>
          <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">Revenue and commission by source</h2>
            <ConversionsChart series={chart.series} />
          </section>
          <section aria-labelledby="list-heading">
            <h2 id="list-heading">Conversions</h2>
            {page.items.length === 0 ? (
              <p className="muted">No conversions match these filters.</p>
            ) : (
              <ConversionsTable
                rows={page.items}
                caption="Conversions, newest first"
                affiliateLink={(r) => (
                  <Link to={`/app/affiliates/${r.affiliateId}`}>{r.affiliateName}</Link>
                )}
                detailsLink={(r) => (
                  <Link to={`/app/conversions/${r.id}`}>
                    Why this affiliate?
                    <span className="sr-only"> (conversion of {r.occurredAt.slice(0, 10)})</span>
                  </Link>
                )}
              />
            )}
            <nav aria-label="Conversion pages" className="row pager">
              {page.newer ? (
                <Link to={filterQueryString(values, { before: page.newer })} rel="prev">
                  ← Newer
                </Link>
              ) : null}
              {page.older ? (
                <Link to={filterQueryString(values, { after: page.older })} rel="next">
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
