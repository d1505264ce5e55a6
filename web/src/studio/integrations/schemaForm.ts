// Integration settings, action inputs and source settings as RJSF renders them. The server's
// schemas give a setting that takes free text or any JSON value no type ({}); here it is a
// text area whose JSON is parsed back on the way out. Secrets (writeOnly) are password fields
// that start empty: a stored secret is never sent back, and one left empty is kept.
import type { RJSFSchema, UiSchema } from "@rjsf/utils";

type Props = Record<string, RJSFSchema>;

function propsOf(schema: RJSFSchema | Record<string, unknown> | undefined): Props {
  return ((schema as RJSFSchema | undefined)?.properties ?? {}) as Props;
}

/** Names of the settings that take any JSON value. */
export function looseNames(schema: Record<string, unknown> | undefined): string[] {
  return Object.entries(propsOf(schema))
    .filter(([, p]) => p.type === undefined && !p.enum && !p.oneOf)
    .map(([k]) => k);
}

export interface FormOptions {
  /** Settings not to show (set by the platform, such as the refresh token OAuth stores). */
  hidden?: string[];
  /** Secrets that hold a value: not required again, shown as set. */
  set?: string[];
  /** Every value a string, for inputs that take {{variables}} (templated numbers too). */
  templated?: boolean;
}

export function formSchema(schema: Record<string, unknown> | undefined, options: FormOptions = {}): RJSFSchema {
  const hidden = new Set(options.hidden ?? []);
  const set = new Set(options.set ?? []);
  const properties: Props = {};
  for (const [name, p] of Object.entries(propsOf(schema))) {
    if (hidden.has(name)) continue;
    if (p.type === undefined && !p.enum && !p.oneOf) properties[name] = { ...p, type: "string" };
    else if (options.templated && (p.type === "integer" || p.type === "number")) properties[name] = { ...p, type: "string" };
    else properties[name] = p;
  }
  const required = ((schema?.required ?? []) as string[]).filter((r) => !hidden.has(r) && !set.has(r) && r in properties);
  return { type: "object", properties, required };
}

export function formUiSchema(schema: Record<string, unknown> | undefined, options: FormOptions = {}): UiSchema {
  const set = new Set(options.set ?? []);
  const ui: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  for (const [name, p] of Object.entries(propsOf(schema))) {
    if (p.writeOnly) {
      ui[name] = {
        "ui:widget": "password",
        "ui:placeholder": set.has(name) ? "Stored: type a new value to replace it" : "",
        "ui:help": set.has(name) ? "Stored and never shown again; leave empty to keep it." : "Shown once, as you type it: stored encrypted.",
        "ui:autocomplete": "new-password",
      };
    } else if (p.type === undefined && !p.enum && !p.oneOf) {
      ui[name] = { "ui:widget": "textarea", "ui:help": "Text, or a JSON value (a list, an object)." };
    }
  }
  return ui;
}

/** What a form shows for stored values: JSON values as text. */
export function toForm(values: Record<string, unknown>, schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const loose = new Set(looseNames(schema));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, loose.has(k) && typeof v !== "string" && v !== undefined ? JSON.stringify(v) : v]),
  );
}

/** The values to send: empty ones dropped (an empty secret keeps the stored one), JSON text of
 * the settings that take any value parsed, templated numbers kept as numbers when they are. */
export function fromForm(values: Record<string, unknown>, schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = propsOf(schema);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === "" || v === null) continue;
    const p = props[k] ?? {};
    const loose = p.type === undefined && !p.enum && !p.oneOf;
    const numeric = p.type === "integer" || p.type === "number";
    if (typeof v === "string" && (loose || numeric)) {
      const text = v.trim();
      if (loose && /^[[{]/.test(text)) {
        try {
          out[k] = JSON.parse(text);
          continue;
        } catch {
          // sent as text: the server says what is wrong with it
        }
      }
      if (numeric && text !== "" && !Number.isNaN(Number(text))) {
        out[k] = Number(text);
        continue;
      }
    }
    out[k] = v;
  }
  return out;
}
