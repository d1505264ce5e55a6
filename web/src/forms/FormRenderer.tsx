import { Alert, Stack } from "@mantine/core";
import { FieldWidget } from "./fields";
import { requiredFields, visibleFields } from "./logic";
import type { FormDefinition, Values } from "./types";

export interface FormRendererProps {
  form: FormDefinition;
  values: Values;
  onChange: (values: Values) => void;
  /** Problems by field id; "" for the form as a whole. */
  errors?: Record<string, string>;
  disabled?: boolean;
  canListUsers?: boolean;
}

/** A task's or table's fields, shown and required as its logic says for the current values. */
export function FormRenderer({ form, values, onChange, errors = {}, disabled, canListUsers }: FormRendererProps) {
  const visible = visibleFields(form, values);
  const required = requiredFields(form, values, visible);
  return (
    <Stack gap="sm">
      {errors[""] && (
        <Alert color="red" role="alert">
          {errors[""]}
        </Alert>
      )}
      {form.fields
        .filter((field) => visible.has(field.id))
        .map((field) => (
          <FieldWidget
            key={field.id}
            field={field}
            value={values[field.id]}
            onChange={(value) => onChange({ ...values, [field.id]: value })}
            error={errors[field.id] ?? errors[field.label]}
            required={required.has(field.id)}
            disabled={disabled}
            canListUsers={canListUsers}
          />
        ))}
    </Stack>
  );
}
