// RFC 9457 problem documents as the API sends them, and the error the app throws for them.

export interface FieldProblem {
  path: string;
  message: string;
  code?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: FieldProblem[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem | undefined) {
    const body = problem ?? {};
    super(body.detail || body.title || `Request failed (${status})`);
    this.status = status;
    this.problem = body;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  /** Field problems by field id: paths are `data.field_1`, `field_1`, `body.data.field_1` or
   * JSON pointers (`/data/field_1`, `/delegateId`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.problem.errors ?? []) {
      const dotted = p.path.startsWith("/") ? p.path.slice(1).replaceAll("/", ".") : p.path;
      const key = dotted.replace(/^(body\.)?(data\.)?/, "");
      out[key] = out[key] ? `${out[key]}; ${p.message}` : p.message;
    }
    return out;
  }
}

/** Someone else moved the work on, or it is no longer this person's turn. */
export function isStale(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 409 || error.status === 403) &&
    ["flow_level_moved", "flow_not_your_turn", "flow_instance_closed", "flow_task_not_on_level"].includes(
      error.code ?? "",
    )
  );
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.problem.errors ?? [];
    if (fields.length && !error.problem.detail) return fields.map((f) => f.message).join("; ");
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
