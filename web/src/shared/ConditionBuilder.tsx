// Builds a JSONLogic condition (the API's `where`) from rows of field, operator and value.
import { ActionIcon, Button, Group, NativeSelect, SegmentedControl, Stack, TextInput } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import type { FieldDef } from "../forms/types";

export interface Condition {
  field: string;
  operator: string;
  value: string;
}

export const OPERATORS = [
  { value: "==", label: "is" },
  { value: "!=", label: "is not" },
  { value: ">", label: "more than" },
  { value: "<", label: "less than" },
  { value: ">=", label: "at least" },
  { value: "<=", label: "at most" },
  { value: "contains", label: "contains" },
  { value: "empty", label: "is empty" },
  { value: "filled", label: "is filled in" },
];

const NUMERIC = new Set(["number", "currency"]);

function literal(field: FieldDef | undefined, value: string): unknown {
  if (field && NUMERIC.has(field.type) && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  if (field?.type === "checkbox") return value === "true" || value === "yes";
  return value;
}

/** The rows as one JSONLogic rule, or null when there is nothing to filter on. */
export function toWhere(conditions: Condition[], join: "and" | "or", fields: FieldDef[]): unknown {
  const rules = conditions
    .filter((c) => c.field && (c.value !== "" || c.operator === "empty" || c.operator === "filled"))
    .map((c) => {
      const def = fields.find((f) => f.id === c.field);
      const v = { var: c.field };
      if (c.operator === "empty") return { missing: [c.field] };
      if (c.operator === "filled") return { "!": { missing: [c.field] } };
      if (c.operator === "contains") return { in: [c.value, v] };
      return { [c.operator]: [v, literal(def, c.value)] };
    });
  if (rules.length === 0) return null;
  return rules.length === 1 ? rules[0] : { [join]: rules };
}

export function ConditionBuilder({
  fields,
  conditions,
  join,
  onChange,
}: {
  fields: FieldDef[];
  conditions: Condition[];
  join: "and" | "or";
  onChange: (conditions: Condition[], join: "and" | "or") => void;
}) {
  const set = (i: number, patch: Partial<Condition>) =>
    onChange(conditions.map((c, j) => (i === j ? { ...c, ...patch } : c)), join);
  return (
    <Stack gap="xs" role="group" aria-label="Filter">
      {conditions.length > 1 && (
        <SegmentedControl
          aria-label="Match"
          value={join}
          onChange={(v) => onChange(conditions, v as "and" | "or")}
          data={[
            { value: "and", label: "All conditions" },
            { value: "or", label: "Any condition" },
          ]}
          w="fit-content"
        />
      )}
      {conditions.map((c, i) => (
        <Group key={i} gap="xs" align="flex-end" wrap="wrap">
          <NativeSelect
            label={`Field of condition ${i + 1}`}
            value={c.field}
            onChange={(e) => set(i, { field: e.currentTarget.value })}
            data={[{ value: "", label: "Choose a field" }, ...fields.map((f) => ({ value: f.id, label: f.label }))]}
          />
          <NativeSelect
            label={`Operator of condition ${i + 1}`}
            value={c.operator}
            onChange={(e) => set(i, { operator: e.currentTarget.value })}
            data={OPERATORS}
          />
          {c.operator !== "empty" && c.operator !== "filled" && (
            <TextInput label={`Value of condition ${i + 1}`} value={c.value} onChange={(e) => set(i, { value: e.currentTarget.value })} />
          )}
          <ActionIcon
            variant="subtle"
            color="red.8"
            size="lg"
            aria-label={`Remove condition ${i + 1}`}
            onClick={() => onChange(conditions.filter((_, j) => j !== i), join)}
          >
            <IconTrash size={18} aria-hidden />
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="subtle"
        w="fit-content"
        onClick={() => onChange([...conditions, { field: fields[0]?.id ?? "", operator: "==", value: "" }], join)}
      >
        Add a condition
      </Button>
    </Stack>
  );
}
