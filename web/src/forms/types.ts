// The shapes of a form as tasks and tables define it (task `fields`, `logic`, `validations`;
// a table's `schema`). The API types them as open objects, so they are named here once.

export type Rule = unknown;

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldDef {
  id: string;
  type: string;
  label: string;
  required?: boolean;
  placeholder?: string;
  options?: (string | FieldOption)[];
  /** As stored; the frozen definitions send unset rules as null. */
  validation?: {
    min?: number | string | null;
    max?: number | string | null;
    minLength?: number | null;
    maxLength?: number | null;
    pattern?: string | null;
  };
  settings?: Record<string, unknown>;
}

export interface FieldLogic {
  visible?: Rule;
  required?: Rule;
}

export interface TaskLogic {
  fields?: Record<string, FieldLogic>;
}

export interface FormValidation {
  rule: Rule;
  message: string;
  fields?: string[];
}

export interface FormDefinition {
  fields: FieldDef[];
  logic?: TaskLogic;
  validations?: FormValidation[];
}

export type Values = Record<string, unknown>;

export function optionsOf(field: FieldDef): FieldOption[] {
  return (field.options ?? []).map((o) => (typeof o === "string" ? { value: o, label: o } : o));
}

type Rules = NonNullable<FieldDef["validation"]>;

/** The field's validation rules that are set (null and absent alike mean "no rule"). */
export function rulesOf(field: FieldDef): { [K in keyof Rules]?: NonNullable<Rules[K]> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(field.validation ?? {})) if (value !== null && value !== undefined) out[key] = value;
  return out;
}
