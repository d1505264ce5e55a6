// The studio's reads and writes, all through the public API (typed from its OpenAPI document).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";

export type FieldType = Schemas["FieldTypeOut"];
export type Task = Schemas["TaskOut"];
export type Flow = Schemas["FlowOut"];
export type Trigger = Schemas["TriggerOut"];
export type ActionType = Schemas["triggers_schemas_ActionOut"];
export type Problem = Schemas["ProblemOut"];
export type TriggerTest = Schemas["TriggerTestOut"];

const PAGE = { params: { query: { limit: 200 } } } as const;

export const keys = {
  tasks: ["studio", "tasks"] as const,
  task: (id: string) => ["studio", "tasks", id] as const,
  flows: ["studio", "flows"] as const,
  flow: (id: string) => ["studio", "flows", id] as const,
  triggers: ["studio", "triggers"] as const,
  trigger: (id: string) => ["studio", "triggers", id] as const,
  tables: ["studio", "tables"] as const,
  templates: ["studio", "templates"] as const,
  preview: (type: string, id: string) => ["studio", "preview", type, id] as const,
};

export function useFieldTypes() {
  return useQuery({
    queryKey: ["studio", "field-types"],
    queryFn: async () => (await unwrap(() => api.GET("/field-types", PAGE))).items as FieldType[],
    staleTime: 300_000,
  });
}

export function useActionTypes() {
  return useQuery({
    queryKey: ["studio", "trigger-actions"],
    queryFn: async () => (await unwrap(() => api.GET("/trigger-actions", PAGE))).items,
    staleTime: 300_000,
  });
}

/** JSON Schemas of trigger settings and of each event type's eventConfig, with what each event
 * attaches to and the payload keys its templates may use. */
export function useTriggerSchemas() {
  return useQuery({
    queryKey: ["studio", "trigger-schemas"],
    queryFn: () => unwrap(() => api.GET("/trigger-schemas")),
    staleTime: 300_000,
  });
}

export function useTasks() {
  return useQuery({ queryKey: keys.tasks, queryFn: async () => (await unwrap(() => api.GET("/tasks", PAGE))).items });
}

export function useTask(id: string | undefined) {
  return useQuery({
    queryKey: keys.task(id ?? ""),
    queryFn: () => unwrap(() => api.GET("/tasks/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
}

export function useFlows() {
  return useQuery({ queryKey: keys.flows, queryFn: async () => (await unwrap(() => api.GET("/flows", PAGE))).items });
}

export function useFlow(id: string | undefined) {
  return useQuery({
    queryKey: keys.flow(id ?? ""),
    queryFn: () => unwrap(() => api.GET("/flows/{flow_id}", { params: { path: { flow_id: id! } } })),
    enabled: !!id,
  });
}

export function useTriggers() {
  return useQuery({ queryKey: keys.triggers, queryFn: async () => (await unwrap(() => api.GET("/triggers", PAGE))).items });
}

export function useTrigger(id: string | undefined) {
  return useQuery({
    queryKey: keys.trigger(id ?? ""),
    queryFn: () => unwrap(() => api.GET("/triggers/{trigger_id}", { params: { path: { trigger_id: id! } } })),
    enabled: !!id,
  });
}

export function useTables() {
  return useQuery({ queryKey: keys.tables, queryFn: async () => (await unwrap(() => api.GET("/tables", PAGE))).items });
}

export function useTemplates() {
  return useQuery({
    queryKey: keys.templates,
    queryFn: async () => (await unwrap(() => api.GET("/email-templates", PAGE))).items,
  });
}

export function useRoles() {
  return useQuery({
    queryKey: ["studio", "roles"],
    queryFn: async () => (await unwrap(() => api.GET("/roles", PAGE))).items,
    staleTime: 60_000,
  });
}

export type Releasable = "Task" | "Flow" | "CustomTable" | "Dataset";

/** What publishing the entity now would store: proposed version and changelog. */
export function usePublishPreview(entityType: Releasable, entityId: string | undefined, enabled = true) {
  return useQuery({
    queryKey: keys.preview(entityType, entityId ?? ""),
    queryFn: () =>
      unwrap(() => api.GET("/versions/preview", { params: { query: { entityType, entityId: entityId! } } })),
    enabled: !!entityId && enabled,
  });
}
