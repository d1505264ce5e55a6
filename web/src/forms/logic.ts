// Form logic in the browser, with json-logic-js (the reference implementation our rule
// engine follows), mirroring core/schema/compiled.py: which fields are visible (a hidden
// field's value cannot make another visible, so it repeats until stable), which are required,
// and which problems a submission has before it is sent. The server checks again.
import jsonLogic from "json-logic-js";
import type { FieldDef, FormDefinition, Rule, Values } from "./types";
import { optionsOf, rulesOf } from "./types";

const COMPARE: Record<string, string> = {
  equals: "==",
  not_equals: "!=",
  greater_than: ">",
  less_than: "<",
  greater_or_equal: ">=",
  less_or_equal: "<=",
};

function isSeedGroup(rule: unknown): rule is { operator?: string; rules: unknown[] } {
  return (
    typeof rule === "object" &&
    rule !== null &&
    !Array.isArray(rule) &&
    Array.isArray((rule as { rules?: unknown }).rules) &&
    Object.keys(rule).every((k) => k === "operator" || k === "rules")
  );
}

/** The seed's condition format ({"operator": "AND", "rules": [...]}) as JSONLogic. */
export function toJsonLogic(rule: Rule, fields: FieldDef[] = []): Rule {
  if (!isSeedGroup(rule)) return rule;
  const byLabel = new Map(fields.map((f) => [f.label, f]));
  const byId = new Map(fields.map((f) => [f.id, f]));
  const leaf = (item: { field?: string; operator?: string; value?: unknown }): Rule => {
    const def = byId.get(item.field ?? "") ?? byLabel.get(item.field ?? "");
    const id = def?.id ?? item.field ?? "";
    const field = { var: id };
    const value = item.value;
    const op = item.operator ?? "equals";
    if (op in COMPARE) return { [COMPARE[op]]: [field, value] };
    const text = String(value ?? "");
    switch (op) {
      case "contains":
        return { in: [value, field] };
      case "not_contains":
        return { "!": { in: [value, field] } };
      case "starts_with":
        return { "==": [{ substr: [{ cat: [field] }, 0, text.length] }, value] };
      case "ends_with":
        return { "==": [{ substr: [{ cat: [field] }, -text.length] }, value] };
      case "is_empty":
        return def?.type === "multi-select" ? { "!": field } : { missing: [id] };
      case "is_not_empty":
        return def?.type === "multi-select" ? { "!!": field } : { "!": { missing: [id] } };
      case "in":
        return { in: [field, value] };
      case "not_in":
        return { "!": { in: [field, value] } };
      default:
        return { "==": [field, value] };
    }
  };
  const group = (g: { operator?: string; rules: unknown[] }): Rule => ({
    [String(g.operator ?? "AND").toUpperCase() === "OR" ? "or" : "and"]: g.rules.map((r) =>
      isSeedGroup(r) ? group(r) : leaf(r as { field?: string }),
    ),
  });
  return group(rule);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/** What rules see: values by field id, and by label too (rules may name either). */
function ruleData(form: FormDefinition, values: Values, only?: Set<string>): Values {
  const data: Values = {};
  for (const field of form.fields) {
    if (only && !only.has(field.id)) continue;
    const value = values[field.id];
    if (isEmpty(value)) continue;
    data[field.id] = value;
    data[field.label] = value;
  }
  return data;
}

function holds(rule: Rule | undefined, form: FormDefinition, data: Values, fallback: boolean): boolean {
  if (rule === undefined || rule === null) return fallback;
  try {
    return jsonLogic.truthy(jsonLogic.apply(toJsonLogic(rule, form.fields) as never, data));
  } catch {
    return fallback; // as the server: a rule that fails to run does not block the form
  }
}

export function visibleFields(form: FormDefinition, values: Values): Set<string> {
  const logic = form.logic?.fields ?? {};
  let visible = new Set(form.fields.map((f) => f.id));
  for (let i = 0; i <= form.fields.length; i++) {
    const view = ruleData(form, values, visible);
    const now = new Set(
      form.fields.filter((f) => holds(logic[f.id]?.visible, form, view, true)).map((f) => f.id),
    );
    const same = now.size === visible.size && [...now].every((id) => visible.has(id));
    visible = now;
    if (same) break;
  }
  return visible;
}

export function requiredFields(form: FormDefinition, values: Values, visible = visibleFields(form, values)): Set<string> {
  const logic = form.logic?.fields ?? {};
  const data = ruleData(form, values, visible);
  return new Set(
    form.fields
      .filter((f) => visible.has(f.id) && (f.required || holds(logic[f.id]?.required, form, data, false)))
      .map((f) => f.id),
  );
}

/** The values to send: visible fields that are filled in. */
export function submission(form: FormDefinition, values: Values): Values {
  const visible = visibleFields(form, values);
  const out: Values = {};
  for (const field of form.fields) {
    if (visible.has(field.id) && !isEmpty(values[field.id])) out[field.id] = values[field.id];
  }
  return out;
}

function fieldProblem(field: FieldDef, value: unknown): string | null {
  const v = rulesOf(field);
  if (typeof value === "number") {
    if (v.min !== undefined && value < Number(v.min)) return `${field.label} must be at least ${v.min}`;
    if (v.max !== undefined && value > Number(v.max)) return `${field.label} must be at most ${v.max}`;
  }
  if (typeof value === "string") {
    if (["date", "datetime"].includes(field.type)) {
      if (v.min !== undefined && value < String(v.min)) return `${field.label} must be on or after ${v.min}`;
      if (v.max !== undefined && value > String(v.max)) return `${field.label} must be on or before ${v.max}`;
    }
    if (v.minLength !== undefined && value.length < v.minLength)
      return `${field.label} must be at least ${v.minLength} characters`;
    if (v.maxLength !== undefined && value.length > v.maxLength)
      return `${field.label} must be at most ${v.maxLength} characters`;
    if (v.pattern) {
      try {
        if (!new RegExp(v.pattern).test(value)) return `${field.label} does not match the expected format`;
      } catch {
        /* a pattern JavaScript cannot read: the server judges it */
      }
    }
    if (field.type === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
      return `${field.label} must be an email address`;
    if (field.type === "url" && !/^https?:\/\/\S+$/.test(value)) return `${field.label} must be a web address`;
    if (field.type === "dropdown" && !optionsOf(field).some((o) => o.value === value))
      return `${field.label} must be one of the options`;
  }
  return null;
}

/** Problems by field id (the form's own under "" ), as the server would report them. */
export function checkForm(form: FormDefinition, values: Values): Record<string, string> {
  const visible = visibleFields(form, values);
  const required = requiredFields(form, values, visible);
  const problems: Record<string, string> = {};
  for (const field of form.fields) {
    if (!visible.has(field.id)) continue;
    const value = values[field.id];
    if (isEmpty(value)) {
      if (required.has(field.id)) problems[field.id] = `${field.label} is required`;
      continue;
    }
    const problem = fieldProblem(field, value);
    if (problem) problems[field.id] = problem;
  }
  const data = submission(form, values);
  const ruleView = ruleData(form, data);
  for (const check of form.validations ?? []) {
    const at = check.fields ?? [];
    if (at.length) {
      if (at.some((id) => id in problems) || !at.some((id) => visible.has(id))) continue;
    } else if (Object.keys(problems).length) continue;
    if (!holds(check.rule, form, ruleView, true)) {
      for (const id of at.length ? at : [""]) problems[id] = check.message;
    }
  }
  return problems;
}
