// The visual condition builder's bridge to the platform's JSONLogic: react-querybuilder parses
// and formats JSONLogic; this module adds the platform's own leaf shapes (`missing`, its
// negation, truthiness) and decides honestly whether a rule can be edited visually: a rule is
// "expressible" only when exporting what was imported gives back the very same rule.
import { parseJsonLogic } from "react-querybuilder/parseJsonLogic";
import { defaultRuleProcessorJsonLogic, formatQuery } from "react-querybuilder/formatQuery";
import type { Field, RuleGroupType, RuleProcessor, RuleType } from "react-querybuilder";
import { toJsonLogic } from "../../forms/logic";
import type { FieldDef } from "../../forms/types";

/** Operators beyond react-querybuilder's, each one JSONLogic leaf. */
export const EXTRA_OPERATORS = [
  { name: "isEmpty", arity: "unary", label: "is empty" }, // {"missing": ["f"]}
  { name: "isFilled", arity: "unary", label: "is filled in" }, // {"!": {"missing": ["f"]}}
  { name: "isTrue", arity: "unary", label: "is ticked / truthy" }, // {"!!": {"var": "f"}}
  { name: "isFalse", arity: "unary", label: "is not ticked / falsy" }, // {"!": {"var": "f"}}
] as const;

const isVar = (v: unknown): v is { var: string } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { var?: unknown }).var === "string";

const one = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);

const leaf = (field: string, operator: string): RuleType => ({ field, operator, value: "" });

const jsonLogicOperations: Record<string, (value: unknown) => RuleType | false> = {
  missing: (value) => {
    const args = Array.isArray(value) ? value : [value];
    return args.length === 1 && typeof args[0] === "string" ? leaf(args[0], "isEmpty") : false;
  },
  "!!": (value) => {
    const arg = one(value);
    return isVar(arg) ? leaf(arg.var, "isTrue") : false;
  },
};

const ruleProcessor: RuleProcessor = (rule, options) => {
  switch (rule.operator) {
    case "isEmpty":
      return { missing: [rule.field] };
    case "isFilled":
      return { "!": { missing: [rule.field] } };
    case "isTrue":
      return { "!!": { var: rule.field } };
    case "isFalse":
      return { "!": { var: rule.field } };
    default:
      return defaultRuleProcessorJsonLogic(rule, options);
  }
};

/** `{"!": {"missing": [f]}}` and `{"!": {"var": f}}` as leaves (react-querybuilder would read
 * `!` as a negated group of a rule it does not know). */
function liftNegations(rule: unknown): unknown {
  if (Array.isArray(rule)) return rule.map(liftNegations);
  if (typeof rule !== "object" || rule === null) return rule;
  const entries = Object.entries(rule as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === "!") {
    const arg = one(entries[0][1]);
    if (isVar(arg)) return { __leaf: leaf(arg.var, "isFalse") };
    if (typeof arg === "object" && arg !== null && !Array.isArray(arg) && Object.keys(arg).length === 1 && "missing" in arg) {
      const names = (arg as { missing: unknown }).missing;
      const list = Array.isArray(names) ? names : [names];
      if (list.length === 1 && typeof list[0] === "string") return { __leaf: leaf(list[0], "isFilled") };
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, liftNegations(v)]));
}

/** `{"and": [x]}` is x: react-querybuilder wraps every group, the platform's rules do not. */
export function simplify(rule: unknown): unknown {
  if (Array.isArray(rule)) return rule.map(simplify);
  if (typeof rule !== "object" || rule === null) return rule;
  const entries = Object.entries(rule as Record<string, unknown>);
  if (entries.length === 1 && (entries[0][0] === "and" || entries[0][0] === "or")) {
    const args = entries[0][1];
    if (Array.isArray(args) && args.length === 1) return simplify(args[0]);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, simplify(v)]));
}

export const EMPTY_QUERY: RuleGroupType = { combinator: "and", rules: [] };

/** The query as the platform's JSONLogic; null for an empty query (no condition). */
export function exportRule(query: RuleGroupType): unknown {
  if (query.rules.length === 0 && !query.not) return null;
  const out = formatQuery(query, { format: "jsonlogic", parseNumbers: "strict-limited", fields: [], ruleProcessor });
  return simplify(out);
}

/** Exports with the fields known, so numbers of number fields become numbers. */
export function exportRuleWith(query: RuleGroupType, fields: Field[]): unknown {
  if (query.rules.length === 0 && !query.not) return null;
  return simplify(formatQuery(query, { format: "jsonlogic", parseNumbers: "strict-limited", fields, ruleProcessor }));
}

export type Imported =
  | { ok: true; query: RuleGroupType; converted: boolean }
  | { ok: false; reason: string };

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function parse(rule: unknown): RuleGroupType {
  // A lifted leaf comes back through a custom operation of its own.
  const parsed = parseJsonLogic(liftNegations(rule) as never, {
    jsonLogicOperations: { ...jsonLogicOperations, __leaf: (v: unknown) => v as RuleType } as never,
  });
  return parsed as RuleGroupType;
}

/** A rule (JSONLogic, or the seed's condition format, shown converted) as a query the visual
 * builder can edit, or why it cannot: it must come back from the builder exactly as it is. */
export function importRule(rule: unknown, fields: FieldDef[] = [], builderFields: Field[] = []): Imported {
  if (rule === null || rule === undefined || (typeof rule === "object" && !Array.isArray(rule) && Object.keys(rule).length === 0)) {
    return { ok: true, query: EMPTY_QUERY, converted: false };
  }
  const logic = toJsonLogic(rule, fields);
  const converted = logic !== rule;
  let query: RuleGroupType;
  try {
    query = parse(logic);
  } catch (error) {
    return { ok: false, reason: `It is not JSONLogic the builder reads (${String(error)}).` };
  }
  const back = builderFields.length ? exportRuleWith(query, builderFields) : exportRule(query);
  if (stable(back) !== stable(converted ? simplify(logic) : logic)) {
    return {
      ok: false,
      reason:
        "The visual builder cannot show this rule without changing it (it uses operations the builder has no row for). Edit it in the JSON tab.",
    };
  }
  return { ok: true, query, converted };
}
