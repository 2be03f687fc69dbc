// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { CodeStatsTable } from "../../app/components/CodeStatsTable";
import { ConversionFiltersForm } from "../../app/components/ConversionFiltersForm";
import { ConversionsChart } from "../../app/components/ConversionsChart";
import { type ConversionRowView, ConversionsTable } from "../../app/components/ConversionsTable";
import { CurrencyTotals } from "../../app/components/CurrencyTotals";
import { DecisionRecord } from "../../app/components/DecisionRecord";
import {
  buildSeries,
  EMPTY_FILTER_VALUES,
  parseConversionFilterParams,
  sourceLabel,
} from "../../app/domain/conversion-report";

afterEach(cleanup);

const row = (over: Partial<ConversionRowView>): ConversionRowView => ({
  id: crypto.randomUUID(),
  occurredAt: "2026-03-01T14:05:00.000Z",
  customer: "cus_123",
  amount: 4_900,
  refundedAmount: 0,
  commissionAmount: 980,
  currency: "usd",
  affiliateId: "a1",
  affiliateName: "Sarah",
  attributionMethod: "link",
  couponCode: null,
  status: "approved",
  ...over,
});

describe("Source column", () => {
  it('reads "Coupon · CODE", "Link" or "S2S"', () => {
    render(
      <ConversionsTable
        caption="Conversions"
        rows={[
          row({ attributionMethod: "coupon", couponCode: "SARAH20" }),
          row({ attributionMethod: "link", couponCode: "TOM10" }),
          row({ attributionMethod: "s2s", customer: "S2S order-1" }),
          row({
            attributionMethod: "coupon",
            couponCode: null,
            affiliateName: null,
            affiliateId: null,
          }),
        ]}
      />,
    );
    const table = screen.getByRole("table", { name: "Conversions" });
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent);
    expect(headers).toEqual([
      "Date",
      "Customer",
      "Amount",
      "Commission",
      "Affiliate",
      "Source",
      "Status",
    ]);
    const bodyRows = within(table).getAllByRole("row").slice(1);
    const sourceCells = bodyRows.map((r) => within(r).getAllByRole("cell")[5].textContent);
    expect(sourceCells).toEqual(["Coupon · SARAH20", "Link", "S2S", "Coupon"]);
    const first = within(bodyRows[0]).getAllByRole("cell");
    expect(first[0].textContent).toBe("2026-03-01 14:05 UTC");
    expect(first[2].textContent).toBe("$49.00");
    expect(first[3].textContent).toBe("$9.80");
    expect(first[6].textContent).toBe("Approved");
    expect(within(bodyRows[3]).getByText("Not credited")).toBeTruthy();
  });

  it("formats each row in its own currency and shows refunds", () => {
    render(
      <ConversionsTable
        caption="c"
        rows={[
          row({
            amount: 5_000,
            commissionAmount: 1_000,
            currency: "jpy",
            refundedAmount: 1_000,
            status: "partially_refunded",
          }),
        ]}
      />,
    );
    expect(screen.getByText(/¥5,000/)).toBeTruthy();
    expect(screen.getByText("−¥1,000 refunded")).toBeTruthy();
    expect(screen.getByText("Partially refunded")).toBeTruthy();
  });

  it("sourceLabel is the single source of the wording", () => {
    expect(sourceLabel("coupon", "SARAH20")).toBe("Coupon · SARAH20");
    expect(sourceLabel("link", "X")).toBe("Link");
    expect(sourceLabel("s2s", null)).toBe("S2S");
  });
});

describe("filters form", () => {
  const affiliates = [
    { id: "11111111-1111-4111-8111-111111111111", name: "Sarah" },
    { id: "22222222-2222-4222-8222-222222222222", name: "Tom" },
  ];

  it("is a GET form with labelled source, affiliate, code, status and date fields holding the current values", () => {
    const { container } = render(
      <ConversionFiltersForm
        values={{
          ...EMPTY_FILTER_VALUES,
          source: "coupon",
          affiliate: affiliates[1].id,
          code: "SARAH20",
          status: "refunded",
          from: "2026-03-01",
          to: "2026-03-31",
        }}
        affiliates={affiliates}
        resetHref="/app/conversions"
      />,
    );
    const form = container.querySelector("form")!;
    expect(form.getAttribute("method")).toBe("get");
    expect(screen.getByRole("search", { name: "Filter conversions" })).toBe(form);
    expect((screen.getByLabelText("Source") as HTMLSelectElement).value).toBe("coupon");
    expect((screen.getByLabelText("Affiliate") as HTMLSelectElement).value).toBe(affiliates[1].id);
    expect((screen.getByLabelText("Coupon code") as HTMLInputElement).value).toBe("SARAH20");
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("refunded");
    expect((screen.getByLabelText("From") as HTMLInputElement).value).toBe("2026-03-01");
    expect((screen.getByLabelText("To (inclusive)") as HTMLInputElement).value).toBe("2026-03-31");
    const names = [...form.querySelectorAll("input,select")].map((e) => e.getAttribute("name"));
    expect(names).toEqual(["source", "affiliate", "code", "status", "from", "to"]);
    const sources = within(screen.getByLabelText("Source"))
      .getAllByRole("option")
      .map((o) => o.textContent);
    expect(sources).toEqual(["All sources", "Coupon", "Link", "S2S"]);
    expect(screen.getByRole("button", { name: "Apply filters" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Clear" }).getAttribute("href")).toBe(
      "/app/conversions",
    );
  });

  it("links each error to its field with aria-invalid and aria-describedby", () => {
    const parsed = parseConversionFilterParams(
      new URLSearchParams("source=email&from=2026-02-30&code=bad code!"),
    );
    render(
      <ConversionFiltersForm
        values={parsed.values}
        errors={parsed.errors}
        affiliates={affiliates}
      />,
    );
    for (const label of ["Source", "From", "Coupon code"]) {
      const field = screen.getByLabelText(label);
      expect(field.getAttribute("aria-invalid")).toBe("true");
      const described = document.getElementById(field.getAttribute("aria-describedby")!);
      expect(described?.textContent?.length).toBeGreaterThan(5);
    }
    expect(screen.getByLabelText("Status").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByLabelText("Status").getAttribute("aria-describedby")).toBeNull();
  });

  it("parses the query into filters (inclusive end date, upper-cased code)", () => {
    const p = parseConversionFilterParams(
      new URLSearchParams("source=link&code=sarah20&from=2026-03-01&to=2026-03-31&status=approved"),
    );
    expect(p.errors).toEqual({});
    expect(p.filters).toEqual({
      attribution_method: "link",
      coupon_code: "SARAH20",
      status: "approved",
      created_gte: "2026-03-01T00:00:00.000Z",
      created_lt: "2026-04-01T00:00:00.000Z",
    });
  });
});

describe("totals, chart, decision record and code stats", () => {
  it("shows one totals card per currency", () => {
    render(
      <CurrencyTotals
        totals={[
          { currency: "eur", count: 1, amount: 700, refunded: 0, revenue: 700, commission: 140 },
          {
            currency: "usd",
            count: 3,
            amount: 17_999,
            refunded: 3_000,
            revenue: 14_999,
            commission: 3_000,
          },
        ]}
      />,
    );
    const cards = screen.getAllByRole("listitem");
    expect(cards).toHaveLength(2);
    expect(cards[1].textContent).toContain("$149.99");
    expect(cards[1].textContent).toContain("3 conversions");
  });

  it("the chart has an accessible summary and a data table fallback", () => {
    const series = buildSeries(
      [
        {
          bucket: "2026-03-01",
          currency: "usd",
          method: "coupon",
          revenue: 5_000,
          commission: 1_000,
        },
        { bucket: "2026-03-03", currency: "usd", method: "s2s", revenue: 2_000, commission: 400 },
      ],
      "day",
    );
    render(<ConversionsChart series={series} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toMatch(
      /\$70\.00 revenue, \$14\.00 commission/,
    );
    const table = screen.getByRole("table", { hidden: true });
    const rows = within(table).getAllByRole("row", { hidden: true }).slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader", { hidden: true }).textContent)).toEqual(
      ["2026-03-01", "2026-03-02", "2026-03-03"],
    );
    expect(rows[0].textContent).toContain("$50.00");
  });

  it("explains the decision in plain words and lists the candidates", () => {
    render(
      <DecisionRecord
        decision={{
          rule: "click_wins_coupon_counted",
          winner: { affiliateId: "t" },
          candidates: [
            { source: "click", affiliateId: "t", campaignId: "c", eligible: true, selected: true },
            {
              source: "coupon",
              affiliateId: "s",
              campaignId: "c",
              code: "SARAH20",
              eligible: true,
              selected: false,
            },
          ],
          commission: {
            amount: 980,
            currency: "usd",
            reason: "campaign_percent",
            rule: { type: "percent", bps: 2000 },
          },
        }}
        affiliateNames={{ t: "Tom", s: "Sarah" }}
        campaignNames={{ c: "Partners" }}
      />,
    );
    expect(
      screen.getByText(
        /set not to override link attribution, so the link's affiliate Tom was credited/,
      ),
    ).toBeTruthy();
    expect(screen.getByText(/\$9\.80 — the campaign's 20% of the payment/)).toBeTruthy();
    const rows = within(screen.getByRole("table")).getAllByRole("row").slice(1);
    expect(rows[0].textContent).toContain("Referral link click");
    expect(rows[0].textContent).toContain("Credited");
    expect(rows[1].textContent).toContain("Affiliate code SARAH20");
    expect(rows[1].textContent).toContain("Sarah");
  });

  it("code stats show redemptions, revenue and commission per currency", () => {
    render(
      <CodeStatsTable
        codes={[
          {
            id: "1",
            code: "SARAH20",
            couponName: "Twenty",
            campaignName: "Partners",
            active: true,
            deleted: false,
            redemptions: 4,
            conversions: 3,
            byCurrency: [
              { currency: "usd", conversions: 2, revenue: 9_800, commission: 1_960 },
              { currency: "eur", conversions: 1, revenue: 1_000, commission: 200 },
            ],
          },
        ]}
      />,
    );
    const cells = within(screen.getAllByRole("row")[1]).getAllByRole("cell");
    expect(cells.map((c) => c.textContent)).toEqual([
      "TwentyPartners",
      "4",
      "3",
      "$98.00 · €10.00",
      "$19.60 · €2.00",
    ]);
  });
});
