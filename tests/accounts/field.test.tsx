// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Field, FormError } from "../../app/components/Field";

afterEach(cleanup);

describe("<Field>", () => {
  it("links the error to the input with aria-describedby and marks it invalid", () => {
    render(
      <Field
        label="Email"
        name="email"
        type="email"
        hint="We never share it."
        error="Enter a valid email address."
      />,
    );
    const input = screen.getByLabelText("Email");
    expect(input.getAttribute("name")).toBe("email");
    expect(input.getAttribute("type")).toBe("email");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const ids = (input.getAttribute("aria-describedby") ?? "").split(" ");
    expect(ids).toHaveLength(2);
    const [hint, error] = ids.map((id) => document.getElementById(id));
    expect(hint?.textContent).toBe("We never share it.");
    expect(error?.textContent).toBe("Enter a valid email address.");
    expect(screen.getByText("Enter a valid email address.").id).toBe(ids[1]);
  });

  it("has no aria-invalid and describes only the hint when there is no error", () => {
    render(
      <Field
        label="Name"
        name="name"
        id="brand-name"
        hint="Shown to affiliates."
        defaultValue="Acme"
      />,
    );
    const input = screen.getByLabelText("Name") as HTMLInputElement;
    expect(input.id).toBe("brand-name");
    expect(input.value).toBe("Acme");
    expect(input.hasAttribute("aria-invalid")).toBe(false);
    expect(input.getAttribute("aria-describedby")).toBe("brand-name-hint");
  });

  it("FormError announces its message and renders nothing when empty", () => {
    const { container, rerender } = render(<FormError />);
    expect(container.innerHTML).toBe("");
    rerender(<FormError>Email or password is incorrect.</FormError>);
    expect(screen.getByRole("alert").textContent).toBe("Email or password is incorrect.");
  });
});
