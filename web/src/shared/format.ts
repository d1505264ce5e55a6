// Made once: toLocaleString with options builds a formatter on every call, which a list of
// a thousand tasks felt.
const MOMENT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return MOMENT.format(new Date(iso));
}

export function relative(iso: string): string {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = RELATIVE;
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(Math.round(seconds), "second");
  if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86400), "day");
}

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export const STATUS_COLOR: Record<string, string> = {
  IN_PROGRESS: "blue.8",
  COMPLETED: "teal.9",
  REJECTED: "red.9",
  FAILED: "red.9",
  CANCELLED: "gray.7",
};

export function statusLabel(status: string): string {
  return status.replace(/_/g, " ").toLowerCase().replace(/^./, (c) => c.toUpperCase());
}
