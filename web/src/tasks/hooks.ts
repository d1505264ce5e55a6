import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { useActiveFlows } from "../flows/hooks";

export type Submission = Schemas["SubmissionOut"];

/** Published tasks that no open flow uses: forms people submit on their own (the ones a flow
 * uses are filled in through that flow). */
export function useStandaloneForms() {
  const flows = useActiveFlows();
  const tasks = useQuery({
    queryKey: ["tasks", "published"],
    queryFn: async () =>
      (await unwrap(() => api.GET("/tasks", { params: { query: { status: "PUBLISHED", limit: 200 } } }))).items,
  });
  const inFlows = new Set((flows.data ?? []).flatMap((f) => f.levels.flatMap((l) => l.tasks.map((t) => t.taskId))));
  const ready = tasks.data !== undefined && flows.data !== undefined;
  return {
    data: ready ? tasks.data!.filter((t) => !inFlows.has(t.id)) : undefined,
    isError: tasks.isError,
    error: tasks.error,
  };
}

export function useTaskForm(taskId: string) {
  return useQuery({
    queryKey: ["task-form", taskId],
    queryFn: () => unwrap(() => api.GET("/tasks/{task_id}/form", { params: { path: { task_id: taskId } } })),
    staleTime: 60_000,
  });
}

export function useMySubmissions(taskId: string, userId: string | undefined) {
  return useQuery({
    queryKey: ["submissions", taskId, userId],
    queryFn: async () =>
      (
        await unwrap(() =>
          api.GET("/task-executions", { params: { query: { taskId, executorId: userId, limit: 10 } } }),
        )
      ).items,
    enabled: userId !== undefined,
  });
}
