// The JSON Schema a field's settings panel is rendered from (RJSF): the parts every field has
// (label, id, required, placeholder, options) and, from GET /field-types, the type's own
// `validationSchema` and `settingsSchema` as the server (or the type's plugin) states them.
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";
import type { FieldType } from "../api";
import { segments, type PathProblem } from "../problems";

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
  if (type?.validationSchema) properties.validation = { ...(type.validationSchema as RJSFSchema), title: "Validation" };
  if (type?.settingsSchema) properties.settings = { ...(type.settingsSchema as RJSFSchema), title: "Settings" };
  return { type: "object", required: ["label", "id"], properties };
}

export const fieldUiSchema: UiSchema = {
  "ui:submitButtonOptions": { norender: true },
  id: { "ui:help": "What rules and templates use to name this field." },
};

/** The server's problems about field `index` (`fields[1].settings.step`) as RJSF errors on the
 * settings they name, so each shows under its own input. */
export function fieldErrors(problems: PathProblem[], index: number): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const p of problems) {
    const s = segments(p.path);
    if (s[0] !== "fields" || s[1] !== String(index)) continue;
    let node = root;
    for (const part of s.slice(2)) node = (node[part] ??= {}) as Record<string, unknown>;
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), p.message];
  }
  return root as ErrorSchema;
}

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
