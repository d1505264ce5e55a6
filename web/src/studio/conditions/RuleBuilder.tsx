// A condition edited visually (react-querybuilder with its Mantine controls) or as raw
// JSONLogic, the two kept in sync: what the builder makes is written as JSONLogic at once, and
// JSON the builder can show exactly is shown in it again.
import { useEffect, useMemo, useRef, useState } from "react";
import { Alert, JsonInput, Stack, Tabs, Text } from "@mantine/core";
import { QueryBuilder, defaultOperators, type Field, type RuleGroupType } from "react-querybuilder";
import { QueryBuilderMantine } from "@react-querybuilder/mantine";
import "react-querybuilder/dist/query-builder.css";
import type { FieldDef } from "../../forms/types";
import { optionsOf } from "../../forms/types";
import { EMPTY_QUERY, EXTRA_OPERATORS, exportRuleWith, importRule } from "./jsonlogic";

const NUMERIC = new Set(["number", "currency"]);

/** The form's fields as the builder offers them, typed so values come out as numbers, options
 * as choices and checkboxes as true/false. */
export function builderFields(fields: FieldDef[]): Field[] {
  return fields
    .filter((f) => f.id)
    .map((f) => {
      const base: Field = { name: f.id, label: f.label || f.id };
      if (NUMERIC.has(f.type)) return { ...base, inputType: "number" };
      if (f.type === "date") return { ...base, inputType: "date" };
      if (f.type === "checkbox") return { ...base, valueEditorType: "checkbox", defaultValue: true };
      if (f.type === "dropdown" || f.type === "multi-select") {
        const values = optionsOf(f).map((o) => ({ name: o.value, label: o.label }));
        return values.length ? { ...base, valueEditorType: "select", values, defaultValue: values[0].name } : base;
      }
      return base;
    });
}

const OPERATORS = [
  ...defaultOperators.filter((o) => !["null", "notNull", "beginsWith", "endsWith", "doesNotContain", "doesNotBeginWith", "doesNotEndWith"].includes(o.name)),
  ...EXTRA_OPERATORS,
].map((o) => ({ ...o, value: o.name }));

function pretty(rule: unknown): string {
  return rule === null || rule === undefined ? "" : JSON.stringify(rule, null, 2);
}

export interface RuleBuilderProps {
  /** Accessible name of the whole condition ("Visible when", "Branch condition"). */
  label: string;
  value: unknown;
  onChange: (rule: unknown) => void;
  fields: FieldDef[];
  /** A server problem about this rule. */
  error?: string;
}

export function RuleBuilder({ label, value, onChange, fields, error }: RuleBuilderProps) {
  const qbFields = useMemo(() => builderFields(fields), [fields]);
  const imported = useMemo(() => importRule(value, fields, qbFields), [value, fields, qbFields]);
  const [query, setQuery] = useState<RuleGroupType>(imported.ok ? imported.query : EMPTY_QUERY);
  const [tab, setTab] = useState<string>(imported.ok ? "visual" : "json");
  const [text, setText] = useState(pretty(value));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const written = useRef<string>(JSON.stringify(value ?? null));

  // A value from outside (another tab, a reload): show it in both editors.
  useEffect(() => {
    const incoming = JSON.stringify(value ?? null);
    if (incoming === written.current) return;
    written.current = incoming;
    setText(pretty(value));
    if (imported.ok) setQuery(imported.query);
  }, [value, imported]);

  const emit = (rule: unknown) => {
    written.current = JSON.stringify(rule ?? null);
    onChange(rule);
  };

  return (
    <Stack gap={4} role="group" aria-label={label}>
      <Tabs value={tab} onChange={(t) => setTab(t ?? "visual")} variant="outline">
        <Tabs.List>
          <Tabs.Tab value="visual">Visual</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="visual" pt="xs">
          {imported.ok || JSON.stringify(value ?? null) === JSON.stringify(exportRuleWith(query, qbFields)) ? (
            <>
              {imported.ok && imported.converted && (
                <Text size="xs" c="gray.7" mb={4}>
                  Written in the seed's condition format; shown and saved as JSONLogic.
                </Text>
              )}
              <QueryBuilderMantine>
                <QueryBuilder
                  fields={qbFields}
                  operators={OPERATORS}
                  query={query}
                  onQueryChange={(q) => {
                    setQuery(q);
                    const rule = exportRuleWith(q, qbFields);
                    setText(pretty(rule));
                    setJsonError(null);
                    emit(rule);
                  }}
                  showNotToggle
                  showCloneButtons={false}
                  resetOnFieldChange
                  translations={{
                    addRule: { label: "+ Condition", title: "Add a condition" },
                    addGroup: { label: "+ Group", title: "Add a group of conditions" },
                    removeRule: { label: "×", title: "Remove this condition" },
                    removeGroup: { label: "×", title: "Remove this group" },
                  }}
                />
              </QueryBuilderMantine>
            </>
          ) : (
            <Alert color="yellow" title="Shown as JSON only">
              {imported.reason}
            </Alert>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="xs">
          <JsonInput
            label={`${label} (JSONLogic)`}
            value={text}
            autosize
            minRows={3}
            maxRows={16}
            formatOnBlur
            error={jsonError}
            onChange={(next) => {
              setText(next);
              if (next.trim() === "") {
                setJsonError(null);
                emit(null);
                return;
              }
              try {
                const rule = JSON.parse(next);
                setJsonError(null);
                emit(rule);
                const again = importRule(rule, fields, qbFields);
                if (again.ok) setQuery(again.query);
              } catch {
                setJsonError("Not valid JSON yet");
              }
            }}
          />
        </Tabs.Panel>
      </Tabs>
      {error && (
        <Text size="sm" c="red.8" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}
