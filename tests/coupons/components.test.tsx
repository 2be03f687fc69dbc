// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodeForm } from "../../app/components/CodeForm";
import { CodeList, type CodeListItem } from "../../app/components/CodeList";
import { CouponForm } from "../../app/components/CouponForm";
import { DiscountText } from "../../app/components/DiscountText";
import { UpgradeNotice } from "../../app/components/UpgradeNotice";
import { NEW_COUPON_VALUES } from "../../app/domain/coupon";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** Render inside a data router whose "root" route carries the CSRF token, like the app. */
function renderInRouter(ui: ReactNode) {
  const router = createMemoryRouter(
    [{ id: "root", path: "/", loader: () => ({ csrfToken: "tok123" }), element: ui }],
    { hydrationData: { loaderData: { root: { csrfToken: "tok123" } } } },
  );
  return render(<RouterProvider router={router} />);
}

function describedByTexts(el: HTMLElement): string[] {
  return (el.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? "");
}

const code = (over: Partial<CodeListItem> = {}): CodeListItem => ({
  id: "c1",
  code: "SARAH20",
  discount: "20% off your first payment",
  couponName: "Partner 20",
  campaignName: "Acme Partners",
  redemptionCount: 3,
  maxRedemptions: 100,
  commission: null,
  active: true,
  inactiveLabel: null,
  syncError: null,
  createdBy: "brand",
  expiresAt: null,
  ...over,
});

describe("CouponForm", () => {
  it("renders labelled fields with the defaults, the CSRF token and the create intent", () => {
    const { container } = renderInRouter(
      <CouponForm values={NEW_COUPON_VALUES} errors={{}} errorTrigger={undefined} />,
    );
    expect(screen.getByRole("heading", { name: "New coupon" })).toBeTruthy();
    expect((screen.getByLabelText("Percent off (%)") as HTMLInputElement).value).toBe("20");
    expect((screen.getByLabelText("Percentage off") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Duration") as HTMLSelectElement).value).toBe("once");
    expect((screen.getByLabelText("Overrides click attribution") as HTMLInputElement).checked).toBe(
      true,
    );
    expect(
      (screen.getByLabelText("Allow affiliate self-service codes") as HTMLInputElement).checked,
    ).toBe(false);
    expect((screen.getByLabelText("Redeem by (optional)") as HTMLInputElement).type).toBe("date");
    expect((container.querySelector('input[name="_csrf"]') as HTMLInputElement).value).toBe(
      "tok123",
    );
    expect((container.querySelector('input[name="intent"]') as HTMLInputElement).value).toBe(
      "create",
    );
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByRole("button", { name: "Create coupon" })).toBeTruthy();
  });

  it("shows field errors linked to their inputs, a summary, and focuses the first invalid field", () => {
    renderInRouter(
      <CouponForm
        values={{
          ...NEW_COUPON_VALUES,
          discount_type: "amount",
          amount_off: "1.234",
          currency: "usd",
        }}
        errors={{
          amount_off: "USD amounts have at most 2 decimal places.",
          name: "Enter a name.",
          currency: "Choose a currency.",
        }}
        errorTrigger={{}}
      />,
    );
    expect(screen.getByRole("alert").textContent).toMatch(/Nothing was saved/);
    const name = screen.getByLabelText("Name");
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(describedByTexts(name)).toContain("Enter a name.");
    const amount = screen.getByLabelText("Amount off");
    expect(amount.getAttribute("aria-invalid")).toBe("true");
    expect(describedByTexts(amount)).toContain("USD amounts have at most 2 decimal places.");
    const currency = screen.getByLabelText("Currency");
    expect(describedByTexts(currency)).toEqual(["Choose a currency."]);
    expect((screen.getByLabelText("Fixed amount off") as HTMLInputElement).checked).toBe(true);
    expect(document.activeElement).toBe(name);
  });

  it("shows a Stripe refusal (no param) as a form-level alert", () => {
    renderInRouter(
      <CouponForm
        values={NEW_COUPON_VALUES}
        errors={{ form: "Invalid API Key provided: bogus" }}
        errorTrigger={{}}
      />,
    );
    expect(screen.getByRole("alert").textContent).toBe("Invalid API Key provided: bogus");
  });
});

describe("CodeForm", () => {
  it("puts Stripe's reason on the code field", () => {
    renderInRouter(
      <CodeForm
        coupons={[
          { id: "a", label: "Partner 20 — 20% off your first payment" },
          { id: "b", label: "Ten — $10.00 off forever" },
        ]}
        errors={{ code: "An active promotion code with `code: SARAH20` already exists." }}
        values={{ campaign_coupon_id: "b", code: "sarah20" }}
        errorTrigger={{}}
        showCommission
        title="New code for Sarah"
        submitLabel="Generate code"
        codeHint="Leave empty to generate one."
      />,
    );
    const input = screen.getByLabelText("Code") as HTMLInputElement;
    expect(input.value).toBe("sarah20");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(describedByTexts(input)).toEqual([
      "Leave empty to generate one.",
      "An active promotion code with `code: SARAH20` already exists.",
    ]);
    expect((screen.getByLabelText("Coupon") as HTMLSelectElement).value).toBe("b");
    expect(screen.getByLabelText("Commission for this code (%, optional)")).toBeTruthy();
    expect(document.activeElement).toBe(input);
  });

  it("with one coupon and no commission (affiliate portal) the choice is fixed and no rate is asked", () => {
    const { container } = renderInRouter(
      <CodeForm
        coupons={[{ id: "a", label: "Partner 20 — 20% off your first payment" }]}
        errors={{}}
        values={{}}
        errorTrigger={undefined}
        showCommission={false}
        title="Create a vanity code"
        submitLabel="Create code"
        codeHint="Pick something memorable."
      />,
    );
    expect(
      (container.querySelector('input[name="campaign_coupon_id"]') as HTMLInputElement).value,
    ).toBe("a");
    expect(screen.queryByLabelText(/Commission/)).toBeNull();
    expect(screen.getByText(/Coupon: Partner 20/)).toBeTruthy();
  });
});

describe("CodeList", () => {
  it("says what Stripe has not confirmed yet: creating, or removing (with the reason)", () => {
    render(
      <CodeList
        codes={[
          code({ stripePending: true }),
          code({
            id: "c2",
            code: "GONE-1",
            active: false,
            inactiveLabel: "Deleted",
            deleted: true,
            stripePending: true,
            syncError: "Could not reach Stripe.",
          }),
        ]}
        caption="Codes"
        empty={<p>No codes</p>}
        actions={(c) => (c.deleted ? null : <button type="button">Delete {c.code}</button>)}
      />,
    );
    const rows = screen.getAllByRole("row");
    expect(within(rows[1]).getByText("Creating in Stripe…")).toBeTruthy();
    expect(within(rows[2]).getByText("Removing from Stripe…")).toBeTruthy();
    expect(within(rows[1]).queryByText("Removing from Stripe…")).toBeNull();
    expect(within(rows[2]).getByText("Stripe: Could not reach Stripe.")).toBeTruthy();
    expect(screen.queryByText("Delete GONE-1")).toBeNull();
  });

  it("shows the code, the discount in words, counters and status; empty state when none", () => {
    render(
      <CodeList
        codes={[
          code(),
          code({
            id: "c2",
            code: "SARAH-VIP",
            active: false,
            inactiveLabel: "Deactivated in Stripe",
            syncError: "Timeout",
            maxRedemptions: null,
            redemptionCount: 0,
          }),
        ]}
        caption="Codes"
        empty={<p>No codes</p>}
      />,
    );
    const rows = screen.getAllByRole("row");
    expect(rows).toHaveLength(3);
    const first = within(rows[1]);
    expect(first.getByText("SARAH20")).toBeTruthy();
    expect(first.getByText("20% off your first payment")).toBeTruthy();
    expect(rows[1].textContent).toContain("3 / 100");
    expect(first.getByText("Active")).toBeTruthy();
    const second = within(rows[2]);
    expect(second.getByText("Deactivated in Stripe")).toBeTruthy();
    expect(second.getByText("Stripe: Timeout")).toBeTruthy();
    cleanup();
    render(<CodeList codes={[]} caption="Codes" empty={<p>No codes</p>} />);
    expect(screen.getByText("No codes")).toBeTruthy();
  });

  it("the copy button copies the code and announces it", async () => {
    vi.useFakeTimers();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<CodeList codes={[code()]} caption="Codes" empty={null} />);
    const button = screen.getByRole("button", { name: "Copy code SARAH20" });
    const status = within(button.parentElement!).getByRole("status");
    expect(status.getAttribute("aria-live")).toBe("polite");
    await act(async () => {
      fireEvent.click(button);
    });
    expect(writeText).toHaveBeenCalledWith("SARAH20");
    expect(status.textContent).toBe("Copied");
    await act(async () => {
      vi.advanceTimersByTime(4000);
    });
    expect(status.textContent).toBe("");
  });

  it("when the clipboard refuses, tells the person to copy by hand", async () => {
    Object.defineProperty(navigator, "clipboard", {
      value: {
        writeText: async () => {
          throw new Error("denied");
        },
      },
      configurable: true,
    });
    render(<CodeList codes={[code()]} caption="Codes" empty={null} />);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Copy code SARAH20" }));
    });
    expect(screen.getByRole("status").textContent).toBe("Copy SARAH20 by hand");
  });
});

describe("DiscountText and UpgradeNotice", () => {
  it("render the words and the upgrade message", () => {
    renderInRouter(
      <>
        <DiscountText
          coupon={{
            discount_type: "amount",
            amount_off: 1000,
            currency: "usd",
            percent_off_bps: null,
            duration: "forever",
            duration_in_months: null,
          }}
        />
        <UpgradeNotice what="coupons" />
      </>,
    );
    expect(screen.getByText("$10.00 off forever")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toMatch(
      /Upgrade to create coupons.*Growth or Scale/,
    );
    expect(screen.getByRole("link", { name: "See your plan" }).getAttribute("href")).toBe(
      "/app/settings",
    );
  });
});
