// A platform action (the trigger actions: create_record, send_email, ...) configured from its
// JSON Schema with RJSF, for an integration workflow: a table it names is a choice of the
// company's tables; an open object (a record's values) is JSON whose values may be templates.
import { useMemo, useState } from "react";
import { JsonInput, NativeSelect, Stack, Text } from "@mantine/core";
import Form from "@rjsf/mantine";
import validator from "@rjsf/validator-ajv8";
import type { RJSFSchema } from "@rjsf/utils";
import { useActionTypes, useTables } from "../api";

interface Props {
  action: string;
  config: Record<string, unknown>;
  onAction: (action: string) => void;
  onConfig: (config: Record<string, unknown>) => void;
}

function resolved(schema: Record<string, unknown> | undefined, tables: { id: string; displayName: string }[]): RJSFSchema {
  if (!schema) return { type: "object" };
  const defs = (schema.$defs ?? {}) as Record<string, RJSFSchema>;
  const ref = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
  const root = (ref && defs[ref] ? { ...defs[ref], $defs: defs } : schema) as RJSFSchema;
  const properties = { ...((root.properties ?? {}) as Record<string, RJSFSchema>) };
  for (const [key, p] of Object.entries(properties)) {
    if ((p as Record<string, unknown>)["x-erp-entity"] === "CustomTable" && tables.length) {
      properties[key] = { ...p, oneOf: tables.map((t) => ({ const: t.id, title: t.displayName })) };
    }
  }
  return { ...root, properties };
}

export function PlatformActionConfig({ action, config, onAction, onConfig }: Props) {
  const actions = useActionTypes();
  const tables = useTables();
  const chosen = actions.data?.find((a) => a.name === action);
  const schema = useMemo(() => resolved(chosen?.configSchema, tables.data ?? []), [chosen, tables.data]);
  const open = Object.entries((schema.properties ?? {}) as Record<string, RJSFSchema>)
    .filter(([, p]) => p.type === "object" && !p.properties)
    .map(([k]) => k);
  const [texts, setTexts] = useState<Record<string, string>>({});
  return (
    <Stack gap="xs">
      <NativeSelect
        label="Platform action"
        data={[{ value: "", label: "Choose an action" }, ...(actions.data ?? []).map((a) => ({ value: a.name, label: a.name }))]}
        value={action}
        onChange={(e) => {
          onAction(e.currentTarget.value);
          onConfig({});
        }}
      />
      {chosen && (
        <Text size="xs" c="gray.7">
          {chosen.description}
        </Text>
      )}
      {chosen && (
        <Form
          key={action}
          idPrefix="action"
          schema={{ ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !open.includes(k))) }}
          formData={config}
          validator={validator}
          showErrorList={false}
          uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
          onChange={(e) => onConfig({ ...config, ...(e.formData as Record<string, unknown>) })}
        />
      )}
      {chosen &&
        open.map((key) => (
          <JsonInput
            key={key}
            label={`${String(((schema.properties ?? {}) as Record<string, RJSFSchema>)[key]?.title ?? key)} (JSON object; values may be {{templates}})`}
            autosize
            minRows={3}
            validationError="Not valid JSON"
            value={texts[key] ?? (config[key] ? JSON.stringify(config[key], null, 2) : "")}
            onChange={(text) => {
              setTexts((t) => ({ ...t, [key]: text }));
              try {
                onConfig({ ...config, [key]: text.trim() ? JSON.parse(text) : {} });
              } catch {
                // kept as typed until it parses
              }
            }}
          />
        ))}
    </Stack>
  );
}
