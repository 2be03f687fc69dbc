// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { DeliveryStatusBadge, EndpointFields } from "../../app/webhooks/EndpointFields";

describe("EndpointFields", () => {
  afterEach(cleanup);
  it("labels every input and links errors to their fields", () => {
    render(
      <form>
        <EndpointFields
          idPrefix="t"
          values={{ url: "http://127.0.0.1/", eventTypes: ["conversion.refunded"] }}
          errors={{
            url: "This URL points to a non-public address.",
            eventTypes: "Choose at least one event.",
          }}
        />
      </form>,
    );
    const url = screen.getByLabelText("Endpoint URL");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    const described = (url.getAttribute("aria-describedby") ?? "").split(" ");
    expect(described.map((id) => document.getElementById(id)?.textContent)).toContain(
      "This URL points to a non-public address.",
    );
    const group = screen.getByRole("group", { name: "Events to send" });
    expect(document.getElementById(group.getAttribute("aria-describedby")!)?.textContent).toBe(
      "Choose at least one event.",
    );
    expect(
      (screen.getByRole("checkbox", { name: /conversion\.refunded/ }) as HTMLInputElement).checked,
    ).toBe(true);
    expect(
      (screen.getByRole("checkbox", { name: /conversion\.created/ }) as HTMLInputElement).checked,
    ).toBe(false);
  });

  it("checks every event by default and names delivery states in words", () => {
    render(<EndpointFields idPrefix="d" />);
    expect(screen.getAllByRole("checkbox").every((c) => (c as HTMLInputElement).checked)).toBe(
      true,
    );
    render(<DeliveryStatusBadge status="failed" />);
    expect(screen.getByText("Retrying")).toBeTruthy();
  });
});
