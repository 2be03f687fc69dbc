// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CopyField } from "../../app/components/CopyField";

function stubClipboard(writeText: (text: string) => Promise<void>) {
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
}

describe("CopyField", () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it("renders a labelled read-only field with the value", () => {
    render(<CopyField label="Referral link" value="https://rekomi.test/r/ab12cd34" />);
    const input = screen.getByLabelText("Referral link") as HTMLInputElement;
    expect(input.value).toBe("https://rekomi.test/r/ab12cd34");
    expect(input.readOnly).toBe(true);
    expect(screen.getByRole("status").textContent).toBe("");
  });

  it("copies to the clipboard and announces 'Copied' in a live region, then clears it", async () => {
    vi.useFakeTimers();
    const writeText = vi.fn(async () => {});
    stubClipboard(writeText);
    render(<CopyField label="Referral link" value="https://rekomi.test/r/ab12cd34" />);
    const status = screen.getByRole("status");
    expect(status.getAttribute("aria-live")).toBe("polite");

    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Copy referral link" }));
    });
    expect(writeText).toHaveBeenCalledWith("https://rekomi.test/r/ab12cd34");
    expect(status.textContent).toBe("Copied");

    await act(async () => {
      vi.advanceTimersByTime(4000);
    });
    expect(status.textContent).toBe("");
  });

  it("falls back to selecting the text when the clipboard refuses", async () => {
    stubClipboard(async () => {
      throw new Error("denied");
    });
    render(<CopyField label="Join link" value="https://rekomi.test/join/acme" hideLabel />);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Copy join link" }));
    });
    expect(screen.getByRole("status").textContent).toMatch(/Ctrl\+C/);
    const input = screen.getByLabelText("Join link") as HTMLInputElement;
    expect(document.activeElement === input || input.selectionEnd === input.value.length).toBe(
      true,
    );
  });
});
