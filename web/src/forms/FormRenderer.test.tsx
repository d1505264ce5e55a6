import { describe, expect, it } from "vitest";
import { useState } from "react";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { FormRenderer } from "./FormRenderer";
import type { FormDefinition, Values } from "./types";
import { ApiError } from "../api/problem";

const form: FormDefinition = {
  fields: [
    { id: "urgent", type: "checkbox", label: "Urgent" },
    { id: "reason", type: "textarea", label: "Why urgent" },
    { id: "amount", type: "currency", label: "Amount", settings: { currency: "EUR" } },
    { id: "colour", type: "colour-wheel", label: "Colour" },
    { id: "tags", type: "multi-select", label: "Tags", options: ["a", { value: "b", label: "Bee" }] },
  ],
  logic: { fields: { reason: { visible: { var: "urgent" }, required: { var: "urgent" } } } },
};

function Harness({ errors }: { errors?: Record<string, string> }) {
  const [values, setValues] = useState<Values>({});
  return (
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <FormRenderer form={form} values={values} onChange={setValues} errors={errors} />
        <output data-testid="values">{JSON.stringify(values)}</output>
      </QueryClientProvider>
    </MantineProvider>
  );
}

describe("FormRenderer", () => {
  it("shows and requires a field live as its logic says", async () => {
    render(<Harness />);
    expect(screen.queryByRole("textbox", { name: /Why urgent/ })).toBeNull();
    await userEvent.click(screen.getByRole("checkbox", { name: "Urgent" }));
    const reason = screen.getByRole("textbox", { name: /Why urgent/ });
    expect(reason).toHaveAttribute("aria-required", "true");
    await userEvent.click(screen.getByRole("checkbox", { name: "Urgent" }));
    expect(screen.queryByRole("textbox", { name: /Why urgent/ })).toBeNull();
  });

  it("edits a field type without a widget as JSON and says so", async () => {
    render(<Harness />);
    const colour = screen.getByRole("textbox", { name: "Colour" });
    expect(screen.getByText(/no widget for the "colour-wheel" field type/)).toBeInTheDocument();
    await userEvent.type(colour, '{{"h": 120}');
    expect(screen.getByTestId("values").textContent).toContain('"colour":{"h":120}');
  });

  it("keeps option values and shows their labels", async () => {
    render(<Harness />);
    await userEvent.click(screen.getByRole("checkbox", { name: "Bee" }));
    expect(screen.getByTestId("values").textContent).toContain('"tags":["b"]');
  });

  it("shows the server's problems at the fields they name", () => {
    const error = new ApiError(422, {
      status: 422,
      errors: [
        { path: "amount", message: "Amount must be at least 0", code: "below_minimum" },
        { path: "data.colour", message: "Colour is not a colour", code: "invalid" },
      ],
    });
    render(<Harness errors={error.fieldErrors()} />);
    expect(screen.getByRole("textbox", { name: /Amount/ })).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Amount must be at least 0")).toBeInTheDocument();
    expect(screen.getByText("Colour is not a colour")).toBeInTheDocument();
  });
});
