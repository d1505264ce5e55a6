import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { ExplanationTree } from "./ExplanationTree";

// What the rule engine stored for {"operator": "AND", "rules": [amount > 1000, cat = Travel]}
// evaluated on {amount: 5000, cat: "Food"} (core.rules.service.evaluate_with_trace).
const explanation = {
  rule: { and: [{ ">": [{ var: "amount" }, 1000] }, { "==": [{ var: "cat" }, "Travel"] }] },
  matched: false,
  steps: [
    { path: [], op: "and", args: [true, false], result: false, sourcePath: [] },
    { path: ["and", 0], op: ">", args: [5000, 1000], result: true, sourcePath: ["rules", 0] },
    { path: ["and", 1], op: "==", args: ["Food", "Travel"], result: false, sourcePath: ["rules", 1] },
  ],
  truncated: false,
};

describe("ExplanationTree", () => {
  it("shows each part of the rule with the values it compared and whether it held", () => {
    render(
      <MantineProvider>
        <ExplanationTree explanation={explanation} />
      </MantineProvider>,
    );
    const tree = screen.getByRole("region", { name: "Explanation" });
    const items = within(tree).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent(/^failedAND of 2/);
    expect(items[1]).toHaveTextContent("heldamount (5000) > 1000");
    expect(items[2]).toHaveTextContent("failedcat (Food) == Travel");
  });

  it("says so when there was nothing to explain", () => {
    render(
      <MantineProvider>
        <ExplanationTree explanation={{ steps: [], reason: "no conditions" }} />
      </MantineProvider>,
    );
    expect(screen.getByText("no conditions")).toBeInTheDocument();
  });
});
