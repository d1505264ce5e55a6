import { describe, expect, it } from "vitest";
import { checkForm, requiredFields, submission, toJsonLogic, visibleFields } from "./logic";
import type { FormDefinition } from "./types";

const travel: FormDefinition = {
  fields: [
    { id: "kind", type: "dropdown", label: "Kind", required: true, options: ["Travel", "Office"] },
    { id: "destination", type: "text", label: "Destination" },
    { id: "nights", type: "number", label: "Nights", validation: { min: 1, max: 30 } },
    { id: "hotel", type: "text", label: "Hotel" },
    { id: "start", type: "date", label: "Start" },
    { id: "end", type: "date", label: "End" },
  ],
  logic: {
    fields: {
      destination: { visible: { "==": [{ var: "kind" }, "Travel"] }, required: { "==": [{ var: "kind" }, "Travel"] } },
      // Seen only while destination is: a hidden field cannot make another one visible.
      hotel: { visible: { "!!": { var: "destination" } } },
      nights: { required: { "!!": { var: "hotel" } } },
    },
  },
  validations: [{ rule: { "<=": [{ var: "start" }, { var: "end" }] }, message: "The end comes after the start", fields: ["end"] }],
};

describe("form logic", () => {
  it("shows a field only while its rule holds", () => {
    expect(visibleFields(travel, { kind: "Office" }).has("destination")).toBe(false);
    expect(visibleFields(travel, { kind: "Travel" }).has("destination")).toBe(true);
  });

  it("hides what depends on a hidden field, repeating until stable", () => {
    const visible = visibleFields(travel, { kind: "Office", destination: "Oslo" });
    expect(visible.has("destination")).toBe(false);
    expect(visible.has("hotel")).toBe(false);
    expect(visibleFields(travel, { kind: "Travel", destination: "Oslo" }).has("hotel")).toBe(true);
  });

  it("requires fields by rule as well as by definition", () => {
    expect([...requiredFields(travel, { kind: "Travel" })].sort()).toEqual(["destination", "kind"]);
    expect(requiredFields(travel, { kind: "Travel", destination: "Oslo", hotel: "Inn" }).has("nights")).toBe(true);
  });

  it("reports every problem before sending, as the server words them", () => {
    expect(checkForm(travel, { kind: "Travel", destination: "Oslo", hotel: "Inn", nights: 0 })).toEqual({
      nights: "Nights must be at least 1",
    });
    expect(checkForm(travel, {})).toEqual({ kind: "Kind is required" });
    expect(checkForm(travel, { kind: "Boat" })).toEqual({ kind: "Kind must be one of the options" });
  });

  it("reads unset rules sent as null (frozen definitions) as no rule", () => {
    const form: FormDefinition = {
      fields: [
        { id: "name", type: "text", label: "Name", validation: { minLength: null, maxLength: null, pattern: null } },
        { id: "amount", type: "number", label: "Amount", validation: { min: 0, max: null } },
      ],
    };
    expect(checkForm(form, { name: "Eve Employee", amount: 12500 })).toEqual({});
    expect(checkForm(form, { name: "Eve", amount: -1 })).toEqual({ amount: "Amount must be at least 0" });
  });

  it("runs cross-field validations at the fields they name", () => {
    expect(checkForm(travel, { kind: "Office", start: "2026-05-02", end: "2026-05-01" })).toEqual({
      end: "The end comes after the start",
    });
    expect(checkForm(travel, { kind: "Office", start: "2026-05-01", end: "2026-05-02" })).toEqual({});
  });

  it("sends only visible, filled-in values", () => {
    expect(submission(travel, { kind: "Office", destination: "Oslo", start: "" })).toEqual({ kind: "Office" });
  });

  it("reads the seed's condition format by field label", () => {
    const rule = toJsonLogic(
      { operator: "AND", rules: [{ field: "Nights", operator: "greater_than", value: 2 }, { field: "Kind", operator: "equals", value: "Travel" }] },
      travel.fields,
    );
    expect(rule).toEqual({ and: [{ ">": [{ var: "nights" }, 2] }, { "==": [{ var: "kind" }, "Travel"] }] });
    const form: FormDefinition = { ...travel, logic: { fields: { hotel: { visible: { operator: "OR", rules: [{ field: "Nights", operator: "greater_or_equal", value: 1 }] } } } } };
    expect(visibleFields(form, { nights: 3 }).has("hotel")).toBe(true);
    expect(visibleFields(form, {}).has("hotel")).toBe(false);
  });
});
