import { describe, expect, it } from "vitest";
import { exportRule, importRule } from "./jsonlogic";
import cases from "./ruleCases.json";

// Rules a form's logic and a flow's branches are made of: the builder must express each.
const FORM_RULES: unknown[] = [
  { ">": [{ var: "amount" }, 1000] },
  { "==": [{ var: "category" }, "Travel"] },
  { and: [{ ">": [{ var: "amount" }, 1000] }, { "==": [{ var: "category" }, "Travel"] }] },
  { or: [{ "<": [{ var: "a" }, 5] }, { "!=": [{ var: "b" }, "x"] }] },
  { "!": { "==": [{ var: "b" }, "x"] } },
  { in: ["x", { var: "tags" }] },
  { in: [{ var: "c" }, ["a", "b"]] },
  { missing: ["x"] },
  { "!": { missing: ["x"] } },
  { "!!": { var: "ok" } },
  { "!": { var: "ok" } },
  { "<=": [1, { var: "n" }, 5] },
  { "==": [{ var: "a" }, { var: "b" }] },
  { "<=": [{ var: "end" }, { var: "start" }] },
  { and: [{ ">": [{ var: "amount" }, 1000] }, { or: [{ "==": [{ var: "c" }, "x"] }, { missing: ["d"] }] }] },
];

describe("condition builder and JSONLogic", () => {
  it.each(FORM_RULES.map((r) => [JSON.stringify(r), r]))("round-trips %s", (_name, rule) => {
    const imported = importRule(rule);
    expect(imported.ok).toBe(true);
    if (imported.ok) expect(exportRule(imported.query)).toEqual(rule);
  });

  it("shows a seed-format condition converted to JSONLogic", () => {
    const seed = { operator: "AND", rules: [{ field: "Amount", operator: "greater_than", value: 10000 }] };
    const imported = importRule(seed, [{ id: "field_2", type: "number", label: "Amount" }]);
    expect(imported.ok && imported.converted).toBe(true);
    if (imported.ok) expect(exportRule(imported.query)).toEqual({ ">": [{ var: "field_2" }, 10000] });
  });

  it("an empty condition is no condition", () => {
    const imported = importRule(null);
    expect(imported.ok).toBe(true);
    if (imported.ok) expect(exportRule(imported.query)).toBeNull();
  });

  // Every rule of the rule engine's operator table (tests/rules/test_operator_table.py, exported
  // by scripts/export-rule-cases.py): the builder round-trips it exactly, or says it cannot.
  const table = cases as { name: string; rule: unknown }[];
  it.each(table.map((c) => [c.name, c.rule]))("operator table: %s", (_name, rule) => {
    const imported = importRule(rule);
    if (imported.ok) expect(exportRule(imported.query) ?? {}).toEqual(rule ?? {});
    else expect(imported.reason).toMatch(/cannot|not JSONLogic/);
  });

  it("says how many operator-table rules it can express", () => {
    const expressible = table.filter((c) => importRule(c.rule).ok).map((c) => c.name);
    // Comparisons of a value with literals only (no field) have no row in a builder: they are
    // JSON-tab rules. The list is pinned so a change of the builder's reach is seen.
    expect(expressible).toMatchSnapshot();
  });
});
