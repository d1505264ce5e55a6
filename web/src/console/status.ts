// Colours of the states the console shows (at least 4.5:1 against white as filled badges).
export const VERSION_COLOR: Record<string, string> = {
  DRAFT: "grape.9",
  PUBLISHED: "blue.8",
  STABLE: "teal.9",
  DEPRECATED: "gray.7",
};

export const EXECUTION_COLOR: Record<string, string> = {
  SUCCESS: "teal.9",
  PARTIAL_SUCCESS: "orange.9",
  FAILED: "red.9",
  success: "teal.9",
  failed: "red.9",
  skipped: "gray.7",
  retrying: "orange.9",
};

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return Number.isInteger(value) ? `${value} s` : `${value.toFixed(1)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}
