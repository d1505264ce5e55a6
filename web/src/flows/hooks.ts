import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, request, unwrap, type Schemas } from "../api/client";
import { ApiError } from "../api/problem";
import type { FieldDef, FormDefinition, FormValidation, TaskLogic } from "../forms/types";
import { useLivePoll } from "../shell/live";

export type Instance = Schemas["InstanceOut"];
export type HistoryEntry = Schemas["HistoryOut"];

export interface StepTask {
  id: string;
  name: string;
  form: FormDefinition;
}

export interface StepLevel {
  order: number;
  name: string;
  roles: string[];
  tasks: StepTask[];
  /** The level a rejection sends the instance back to; null: a rejection ends it. */
  sendBackTo: number | null;
}

export interface FlowShape {
  flowName: string;
  version: string | null;
  levels: StepLevel[];
}

interface FrozenDefinition {
  flowName: string;
  version: string | null;
  levels: {
    order: number;
    name: string;
    roles: { name: string }[];
    tasks: { id: string; name: string; fields: FieldDef[]; logic: TaskLogic; validations: FormValidation[] }[];
    onReject: { action: string; sendBackTo: number | null };
  }[];
}

/** The frozen definition an instance runs on (levels, their forms), as the server checks
 * submissions against it; the flow's current published shape when it has none. */
async function fetchShape(instance: Instance): Promise<FlowShape> {
  if (instance.definitionId) {
    try {
      const frozen = await request<FrozenDefinition>("GET", `/flow-definitions/${instance.definitionId}`);
      return {
        flowName: frozen.flowName,
        version: frozen.version,
        levels: frozen.levels.map((level) => ({
          order: level.order,
          name: level.name,
          roles: level.roles.map((r) => r.name),
          sendBackTo: level.onReject.action === "sendBack" ? level.onReject.sendBackTo : null,
          tasks: level.tasks.map((task) => ({
            id: task.id,
            name: task.name,
            form: { fields: task.fields, logic: task.logic, validations: task.validations },
          })),
        })),
      };
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) throw error;
    }
  }
  const flows = await unwrap(() => api.GET("/flows/active", { params: { query: { limit: 200 } } }));
  const flow = flows.items.find((f) => f.id === instance.flowId);
  if (!flow) throw new Error("This flow's definition is not available.");
  const forms = new Map<string, FormDefinition>();
  return {
    flowName: flow.name,
    version: (instance as { version?: string | null }).version ?? null,
    levels: flow.levels.map((level) => {
      const onReject = (level.config as { onReject?: unknown }).onReject;
      const back =
        typeof onReject === "object" && onReject !== null ? (onReject as { sendBackTo?: unknown }).sendBackTo : null;
      return {
        order: level.order,
        name: level.name,
        roles: [],
        sendBackTo: typeof back === "number" ? back : null,
        tasks: level.tasks.map((task) => {
          const form = forms.get(task.taskId) ?? { fields: task.fields as unknown as FieldDef[] };
          forms.set(task.taskId, form);
          return { id: task.taskId, name: task.taskName, form };
        }),
      };
    }),
  };
}

export function useInstance(id: string) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["instance", id],
    queryFn: () => unwrap(() => api.GET("/flow-instances/{instance_id}", { params: { path: { instance_id: id } } })),
    refetchInterval: poll,
  });
}

export function useFlowShape(instance: Instance | undefined) {
  return useQuery({
    queryKey: ["flow-shape", instance?.definitionId ?? instance?.flowId],
    queryFn: () => fetchShape(instance!),
    enabled: instance !== undefined,
    staleTime: Infinity,
  });
}

export function useHistory(id: string) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["history", id],
    queryFn: async () => {
      const page = await unwrap(() =>
        api.GET("/flow-instances/{instance_id}/history", {
          params: { path: { instance_id: id }, query: { limit: 200 } },
        }),
      );
      return page.items;
    },
    refetchInterval: poll,
  });
}

export function useActiveFlows() {
  return useQuery({
    queryKey: ["flows", "active"],
    queryFn: async () =>
      (await unwrap(() => api.GET("/flows/active", { params: { query: { limit: 200 } } }))).items,
  });
}

export function useMyInstances(userId: string | undefined) {
  const poll = useLivePoll();
  return useQuery({
    queryKey: ["instances", "mine", userId],
    queryFn: () =>
      unwrap(() =>
        api.GET("/flow-instances", { params: { query: { initiatorId: userId, limit: 50 } } }),
      ),
    enabled: userId !== undefined,
    refetchInterval: poll,
  });
}

/** After any action: everything that shows the instance or the inbox is out of date. */
export function useRefreshAfterAction() {
  const client = useQueryClient();
  return () => {
    for (const queryKey of [["instance"], ["history"], ["inbox"], ["instances"], ["notifications"]])
      void client.invalidateQueries({ queryKey });
  };
}

export function useStartFlow() {
  const refreshAll = useRefreshAfterAction();
  return useMutation({
    mutationFn: (flowId: string) =>
      unwrap(() => api.POST("/flows/{flow_id}/instances", { params: { path: { flow_id: flowId } }, body: {} })),
    onSuccess: refreshAll,
  });
}
