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
  validation?: {
    min?: number | string;
    max?: number | string;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
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
