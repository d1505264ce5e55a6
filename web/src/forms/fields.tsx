// One widget per field type of GET /field-types. A type the app has no widget for (a
// plugin's own) is edited as JSON, and the field says so.
import { useState } from "react";
import {
  Checkbox,
  Group,
  Input,
  NativeSelect,
  NumberInput,
  Progress,
  Select,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { messageOf } from "../api/problem";
import { uploadFile } from "./upload";
import { optionsOf, rulesOf, type FieldDef } from "./types";

export interface WidgetProps {
  field: FieldDef;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
  required: boolean;
  disabled?: boolean;
  /** Whether the signed-in person may list users (for the user picker). */
  canListUsers?: boolean;
}

/** Field types with a widget here; others fall back to JSON. */
export const WIDGETS = new Set([
  "text",
  "textarea",
  "number",
  "currency",
  "date",
  "datetime",
  "email",
  "phone",
  "url",
  "checkbox",
  "dropdown",
  "multi-select",
  "file",
  "user",
  "record",
]);

function common(props: WidgetProps) {
  return {
    label: props.field.label,
    error: props.error,
    withAsterisk: props.required,
    "aria-required": props.required || undefined,
    disabled: props.disabled,
    placeholder: props.field.placeholder,
  };
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** datetime values travel as ISO 8601 with a zone; the input shows local time. */
function toLocalInput(value: unknown): string {
  if (typeof value !== "string" || !value) return "";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function FieldWidget(props: WidgetProps) {
  const { field, value, onChange } = props;
  const c = common(props);
  switch (field.type) {
    case "text":
    case "email":
    case "phone":
    case "url":
      return (
        <TextInput
          {...c}
          type={{ text: "text", email: "email", phone: "tel", url: "url" }[field.type]}
          value={text(value)}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "textarea":
      return <Textarea {...c} autosize minRows={3} value={text(value)} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "number":
    case "currency": {
      const settings = field.settings ?? {};
      const currency = field.type === "currency" ? String(settings.currency ?? "USD") : undefined;
      return (
        <NumberInput
          {...c}
          value={typeof value === "number" ? value : ""}
          onChange={(v) => onChange(typeof v === "number" ? v : v === "" ? undefined : Number(v))}
          min={rulesOf(field).min !== undefined ? Number(rulesOf(field).min) : undefined}
          max={rulesOf(field).max !== undefined ? Number(rulesOf(field).max) : undefined}
          step={typeof settings.step === "number" ? settings.step : undefined}
          decimalScale={currency ? Number(settings.decimals ?? 2) : undefined}
          leftSection={currency ? <Text size="xs">{currency}</Text> : undefined}
          leftSectionWidth={currency ? 44 : undefined}
          description={currency ? `Amount in ${currency}` : undefined}
        />
      );
    }
    case "date":
      return <TextInput {...c} type="date" value={text(value)} onChange={(e) => onChange(e.currentTarget.value || undefined)} />;
    case "datetime":
      return (
        <TextInput
          {...c}
          type="datetime-local"
          value={toLocalInput(value)}
          onChange={(e) => {
            const local = e.currentTarget.value;
            onChange(local ? new Date(local).toISOString() : undefined);
          }}
        />
      );
    case "checkbox":
      return (
        <Checkbox
          label={field.label}
          error={props.error}
          disabled={props.disabled}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case "dropdown":
      return (
        <NativeSelect
          {...c}
          value={text(value)}
          onChange={(e) => onChange(e.currentTarget.value || undefined)}
          data={[{ value: "", label: field.placeholder ?? "Choose…" }, ...optionsOf(field)]}
        />
      );
    case "multi-select": {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <Checkbox.Group
          label={field.label}
          error={props.error}
          withAsterisk={props.required}
          value={chosen}
          onChange={(v) => onChange(v)}
        >
          <Group mt="xs">
            {optionsOf(field).map((o) => (
              <Checkbox key={o.value} value={o.value} label={o.label} disabled={props.disabled} />
            ))}
          </Group>
        </Checkbox.Group>
      );
    }
    case "file":
      return <FileWidget {...props} />;
    case "user":
      return <UserWidget {...props} />;
    case "record":
      return <RecordWidget {...props} />;
    default:
      return <JsonWidget {...props} />;
  }
}

function FileWidget(props: WidgetProps) {
  const { field, value, onChange } = props;
  const [progress, setProgress] = useState<number | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const inputId = `field-${field.id}`;
  const accept = Array.isArray(field.settings?.accept) ? (field.settings.accept as string[]).join(",") : undefined;
  return (
    <Input.Wrapper
      label={field.label}
      labelProps={{ htmlFor: inputId }}
      withAsterisk={props.required}
      error={failure ?? props.error}
      description={value ? `Uploaded: ${name ?? String(value)}` : "Choose a file to upload"}
    >
      <input
        id={inputId}
        type="file"
        accept={accept}
        disabled={props.disabled}
        aria-required={props.required || undefined}
        aria-invalid={Boolean(failure ?? props.error) || undefined}
        style={{ display: "block", marginTop: 4 }}
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          if (!file) return;
          setFailure(null);
          setName(file.name);
          setProgress(0);
          try {
            const stored = await uploadFile(file, setProgress);
            onChange(stored.id);
          } catch (err) {
            setFailure(messageOf(err));
            onChange(undefined);
          } finally {
            setProgress(null);
          }
        }}
      />
      {progress !== null && (
        <Progress value={progress * 100} mt="xs" aria-label={`Uploading ${name}`} animated />
      )}
    </Input.Wrapper>
  );
}

function UserWidget(props: WidgetProps) {
  const users = useQuery({
    queryKey: ["users", "picker"],
    queryFn: () => unwrap(() => api.GET("/users", { params: { query: { limit: 200 } } })),
    enabled: props.canListUsers === true,
  });
  if (!props.canListUsers || users.isError) {
    return (
      <TextInput
        {...common(props)}
        description="The id of a user of your company"
        value={text(props.value)}
        onChange={(e) => props.onChange(e.currentTarget.value || undefined)}
      />
    );
  }
  const data = (users.data?.items ?? []).map((u) => ({
    value: u.id,
    label: [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email,
  }));
  return (
    <Select
      {...common(props)}
      searchable
      data={data}
      value={typeof props.value === "string" ? props.value : null}
      onChange={(v) => props.onChange(v ?? undefined)}
    />
  );
}

function RecordWidget(props: WidgetProps) {
  const table = String(props.field.settings?.table ?? "");
  const records = useQuery({
    queryKey: ["records", "picker", table],
    queryFn: () =>
      unwrap(() =>
        api.GET("/tables/{table}/records", { params: { path: { table }, query: { limit: 200 } } }),
      ),
    enabled: table !== "",
  });
  const data = (records.data?.items ?? []).map((r) => {
    const first = Object.values(r.data).find((v) => typeof v === "string");
    return { value: r.id, label: first ? String(first) : r.id };
  });
  return (
    <Select
      {...common(props)}
      searchable
      description={records.isError ? messageOf(records.error) : undefined}
      data={data}
      value={typeof props.value === "string" ? props.value : null}
      onChange={(v) => props.onChange(v ?? undefined)}
    />
  );
}

function JsonWidget(props: WidgetProps) {
  const [draft, setDraft] = useState(() => (props.value === undefined ? "" : JSON.stringify(props.value)));
  const [invalid, setInvalid] = useState(false);
  return (
    <Textarea
      {...common(props)}
      autosize
      minRows={2}
      description={`The web app has no widget for the "${props.field.type}" field type: enter its value as JSON.`}
      error={invalid ? "Not valid JSON" : props.error}
      value={draft}
      onChange={(e) => {
        const raw = e.currentTarget.value;
        setDraft(raw);
        if (!raw.trim()) {
          setInvalid(false);
          props.onChange(undefined);
          return;
        }
        try {
          props.onChange(JSON.parse(raw));
          setInvalid(false);
        } catch {
          setInvalid(true);
        }
      }}
    />
  );
}
