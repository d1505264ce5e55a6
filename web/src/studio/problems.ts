// Server problems (problem JSON `errors[]`, flow checks' `problems[]`) by the part of a
// definition they name. Paths come dotted with indexes (`fields[1].type`,
// `logic.fields.amount.visible.>[0].var`) or as JSON pointers (`/levels/0/config/deadlineHours`).
import { ApiError } from "../api/problem";

export interface PathProblem {
  path: string;
  message: string;
  code?: string;
}

/** A path as its segments: `fields[1].type` and `/fields/1/type` are both ["fields", "1", "type"]. */
export function segments(path: string): string[] {
  if (path.startsWith("/")) return path.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "")
    .map((s) => s.replace(/^body$/, ""))
    .filter(Boolean);
}

export function problemsOf(error: unknown): PathProblem[] {
  if (!(error instanceof ApiError)) return [];
  return (error.problem.errors ?? []).map((e) => ({ path: e.path, message: e.message, code: e.code }));
}

/** Messages of the problems whose path starts with `prefix` (segments), joined. */
export function messageAt(problems: PathProblem[], ...prefix: string[]): string | undefined {
  const hits = problems.filter((p) => {
    const s = segments(p.path);
    return prefix.every((part, i) => s[i] === part);
  });
  return hits.length ? hits.map((p) => p.message).join("; ") : undefined;
}
