import { useEffect, useState } from "react";
import type * as RechartsModule from "recharts";
import {
  METHODS_IN_DISPLAY_ORDER,
  type AttributionMethod,
  type CurrencySeries,
  type Granularity,
  METHOD_LABELS,
} from "~/domain/conversion-report";
import { amountToInput, formatMoney } from "~/domain/money";

type Recharts = typeof RechartsModule;

const COLORS: Record<AttributionMethod, string> = {
  coupon: "#4f46e5",
  link: "#0d9488",
  s2s: "#d97706",
};

const PERIOD: Record<Granularity, string> = { day: "Day", week: "Week of", month: "Month" };

/** Chart data as a table: the accessible (and no-JavaScript) version of the chart. */
export function SeriesTable({ series }: { series: CurrencySeries }) {
  const c = series.currency;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">
          Net revenue and commission by source per {series.granularity}, {c.toUpperCase()}
        </caption>
        <thead>
          <tr>
            <th scope="col">{PERIOD[series.granularity]}</th>
            {METHODS_IN_DISPLAY_ORDER.map((m) => (
              <th key={`r-${m}`} scope="col" className="num">
                {METHOD_LABELS[m]} revenue
              </th>
            ))}
            {METHODS_IN_DISPLAY_ORDER.map((m) => (
              <th key={`c-${m}`} scope="col" className="num">
                {METHOD_LABELS[m]} commission
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {series.points.map((p) => (
            <tr key={p.bucket}>
              <th scope="row">
                {series.granularity === "month" ? p.bucket.slice(0, 7) : p.bucket}
              </th>
              {METHODS_IN_DISPLAY_ORDER.map((m) => (
                <td key={`r-${m}`} className="num">
                  {formatMoney(p[`${m}_revenue`], c)}
                </td>
              ))}
              {METHODS_IN_DISPLAY_ORDER.map((m) => (
                <td key={`c-${m}`} className="num">
                  {formatMoney(p[`${m}_commission`], c)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function summary(series: CurrencySeries): string {
  const total = (k: "revenue" | "commission") =>
    series.points.reduce(
      (s, p) => s + METHODS_IN_DISPLAY_ORDER.reduce((t, m) => t + p[`${m}_${k}`], 0),
      0,
    );
  const first = series.points[0]?.bucket ?? "";
  const last = series.points[series.points.length - 1]?.bucket ?? "";
  return `Stacked bars of net revenue and commission by source (coupon, link, S2S) per ${series.granularity} from ${first} to ${last}: ${formatMoney(total("revenue"), series.currency)} revenue, ${formatMoney(total("commission"), series.currency)} commission. The same figures are in the table below.`;
}

function SeriesChart({
  lib,
  series,
  kind,
}: {
  lib: Recharts;
  series: CurrencySeries;
  kind: "revenue" | "commission";
}) {
  const { ResponsiveContainer, BarChart, Bar, XAxis, YAxis, Tooltip, Legend, CartesianGrid } = lib;
  const c = series.currency;
  const axis = (v: number) => amountToInput(Math.round(v), c);
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={series.points} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="bucket" tick={{ fontSize: 12 }} />
        <YAxis tickFormatter={axis} tick={{ fontSize: 12 }} width={72} />
        <Tooltip formatter={(v) => formatMoney(Number(v), c)} />
        <Legend />
        {METHODS_IN_DISPLAY_ORDER.map((m) => (
          <Bar
            key={m}
            dataKey={`${m}_${kind}`}
            name={METHOD_LABELS[m]}
            stackId={kind}
            fill={COLORS[m]}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/**
 * Net revenue and commission by source over time, one pair of charts per currency. The chart
 * library loads in the browser only (no server rendering of SVG measurements); the data table
 * below each chart is always there for screen readers and without JavaScript.
 */
export function ConversionsChart({ series }: { series: CurrencySeries[] }) {
  const [lib, setLib] = useState<Recharts | null>(null);
  useEffect(() => {
    let alive = true;
    import("recharts")
      .then((m) => {
        if (alive) setLib(m);
      })
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, []);
  if (series.length === 0)
    return <p className="muted">No conversions to chart for these filters.</p>;
  return (
    <div className="stack">
      {series.map((s) => (
        <figure key={s.currency} className="card conversion-chart">
          <figcaption>
            <strong>{s.currency.toUpperCase()}</strong>{" "}
            <span className="muted small">by {s.granularity}</span>
          </figcaption>
          <div role="img" aria-label={summary(s)} className="chart-pair">
            {lib ? (
              <>
                <div>
                  <h3 className="small">Net revenue by source</h3>
                  <SeriesChart lib={lib} series={s} kind="revenue" />
                </div>
                <div>
                  <h3 className="small">Commission by source</h3>
                  <SeriesChart lib={lib} series={s} kind="commission" />
                </div>
              </>
            ) : (
              <p className="muted small chart-placeholder">Loading chart…</p>
            )}
          </div>
          <details>
            <summary>Chart data as a table</summary>
            <SeriesTable series={s} />
          </details>
        </figure>
      ))}
    </div>
  );
}
