// The JSON Schema a field's settings panel is rendered from (RJSF). GET /field-types names each
// type's settings and validation keys; when a type also sends `settingsSchema` (its settings as
// JSON Schema) that is used as it is, else each known setting name gets its type here.
import type { RJSFSchema, UiSchema } from "@rjsf/utils";
import type { FieldType } from "../api";

/** Types of the settings the built-in field types declare (plugins/fields). */
const KNOWN_SETTINGS: Record<string, RJSFSchema> = {
  currency: { type: "string", title: "Currency (ISO code)", default: "USD" },
  decimals: { type: "integer", title: "Decimals", minimum: 0, maximum: 6 },
  step: { type: "number", title: "Step" },
  accept: { type: "array", title: "Accepted file types", items: { type: "string" } },
  maxSize: { type: "integer", title: "Largest file (bytes)", minimum: 1 },
  multiple: { type: "boolean", title: "Several allowed" },
  maxFiles: { type: "integer", title: "Most files", minimum: 1 },
  minSelected: { type: "integer", title: "Fewest choices", minimum: 0 },
  maxSelected: { type: "integer", title: "Most choices", minimum: 1 },
  defaultRegion: { type: "string", title: "Default region (e.g. IN, US)" },
  table: { type: "string", title: "Table (id or name)" },
  schemes: { type: "array", title: "Allowed schemes", items: { type: "string" } },
};

const VALIDATION: Record<string, RJSFSchema> = {
  min: { type: ["number", "string"] as never, title: "Smallest value" },
  max: { type: ["number", "string"] as never, title: "Largest value" },
  minLength: { type: "integer", title: "Shortest length", minimum: 0 },
  maxLength: { type: "integer", title: "Longest length", minimum: 0 },
  pattern: { type: "string", title: "Pattern (regular expression)" },
};

const ORDER = ["min", "max", "minLength", "maxLength", "pattern"];

export function fieldSchema(type: FieldType | undefined): RJSFSchema {
  const properties: Record<string, RJSFSchema> = {
    label: { type: "string", title: "Label", minLength: 1 },
    id: { type: "string", title: "Field id", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    required: { type: "boolean", title: "Required" },
    placeholder: { type: "string", title: "Placeholder" },
  };
  if (type?.options) {
    properties.options = { type: "array", title: "Options", items: { type: "string", minLength: 1 }, minItems: 1 };
  }
  if (type?.validation.length) {
    const numeric = type.kind === "number";
    const date = type.kind === "date";
    properties.validation = {
      type: "object",
      title: "Validation",
      properties: Object.fromEntries(
        [...type.validation].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).map((key) => {
          const base = VALIDATION[key] ?? { type: "string", title: key };
          if (key === "min" || key === "max") {
            return [key, { ...base, type: numeric ? "number" : "string", format: date ? "date" : undefined } as RJSFSchema];
          }
          return [key, base];
        }),
      ),
    };
  }
  const settings = type?.settingsSchema ?? (type?.settings.length
    ? {
        type: "object",
        title: "Settings",
        properties: Object.fromEntries(type.settings.map((key) => [key, KNOWN_SETTINGS[key] ?? { type: "string", title: key }])),
      }
    : undefined);
  if (settings) properties.settings = settings as RJSFSchema;
  return { type: "object", required: ["label", "id"], properties };
}

export const fieldUiSchema: UiSchema = {
  "ui:submitButtonOptions": { norender: true },
  id: { "ui:help": "What rules and templates use to name this field." },
};

/** The field without empty settings (the server refuses unknown and empty keys alike). */
export function cleanField<T extends Record<string, unknown>>(field: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(field)) {
    if (value === undefined || value === "" || value === null) continue;
    if (key === "required" && value === false) continue;
    if (typeof value === "object" && !Array.isArray(value)) {
      const inner = cleanField(value as Record<string, unknown>);
      if (Object.keys(inner).length) out[key] = inner;
      continue;
    }
    out[key] = value;
  }
  return out as T;
}
