// The console's reads of the public API (typed from its OpenAPI document): versions and their
// rollout, health and running instances; executions and their statistics; the audit trail;
// the system state. Writes are mutations in the components that make them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";

export type Version = Schemas["VersionOut"];
export type Audience = Schemas["AudienceOut"];
export type Health = Schemas["HealthOut"];
export type Running = Schemas["RunningOut"];
export type Plan = Schemas["MigrationPlanOut"];
export type Execution = Schemas["ExecutionOut"];
export type AuditEntry = Schemas["AuditLogOut"];
export type Outbox = Schemas["OutboxOut"];
export type ProcessSeen = Schemas["ProcessOut"];
export type EntityType = "Flow" | "Task" | "CustomTable" | "Dataset";

const PAGE = 200;

export const keys = {
  versions: (type: string, id: string) => ["console", "versions", type, id] as const,
  version: (id: string) => ["console", "version", id] as const,
  all: ["console"] as const,
};

export function useEntities(type: EntityType) {
  return useQuery({
    queryKey: ["console", "entities", type],
    queryFn: async (): Promise<{ id: string; name: string }[]> => {
      const query = { params: { query: { limit: PAGE } } };
      if (type === "Flow") return (await unwrap(() => api.GET("/flows", query))).items;
      if (type === "Task") return (await unwrap(() => api.GET("/tasks", query))).items;
      if (type === "CustomTable") return (await unwrap(() => api.GET("/tables", query))).items;
      return (await unwrap(() => api.GET("/datasets", query))).items;
    },
  });
}

export function useVersions(entityType: EntityType, entityId: string | null) {
  return useQuery({
    queryKey: keys.versions(entityType, entityId ?? ""),
    queryFn: async () =>
      (
        await unwrap(() =>
          api.GET("/versions", { params: { query: { entityType, entityId: entityId!, limit: PAGE } } }),
        )
      ).items,
    enabled: !!entityId,
  });
}

export function useVersion(id: string) {
  return useQuery({
    queryKey: keys.version(id),
    queryFn: () => unwrap(() => api.GET("/versions/{id}", { params: { path: { id } } })),
  });
}

export function useCompare(from: string | null, to: string | null) {
  return useQuery({
    queryKey: ["console", "compare", from, to],
    queryFn: () => unwrap(() => api.GET("/versions/compare", { params: { query: { from: from!, to: to! } } })),
    enabled: !!from && !!to && from !== to,
  });
}

/** Who the version reaches now and, for a proposed rollout, who it would reach (the server's
 * buckets). */
export function useAudience(id: string, proposal: { percentage: number; clients: string[] } | null) {
  return useQuery({
    queryKey: [...keys.version(id), "audience", proposal],
    queryFn: () =>
      unwrap(() =>
        api.GET("/versions/{id}/audience", {
          params: {
            path: { id },
            query: proposal ? { rolloutPercentage: proposal.percentage, deployedToClients: proposal.clients } : {},
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useHealth(id: string, days = 7) {
  return useQuery({
    queryKey: [...keys.version(id), "health", days],
    queryFn: () => unwrap(() => api.GET("/versions/{id}/health", { params: { path: { id }, query: { days } } })),
  });
}

export function useRunning(flowId: string | undefined) {
  return useQuery({
    queryKey: ["console", "running", flowId],
    queryFn: async () =>
      (await unwrap(() => api.GET("/versions/instances", { params: { query: { flowId: flowId!, limit: PAGE } } })))
        .items,
    enabled: !!flowId,
  });
}

export function useCompanies() {
  return useQuery({
    queryKey: ["console", "companies"],
    queryFn: async () => (await unwrap(() => api.GET("/companies", { params: { query: { limit: PAGE } } }))).items,
    staleTime: 60_000,
  });
}

export interface ExecutionFilters {
  triggerId?: string;
  status?: Execution["status"];
  eventType?: Schemas["TriggerOut"]["eventType"];
  since?: string;
  until?: string;
}

export function useExecutions(filters: ExecutionFilters, live: boolean) {
  return useQuery({
    queryKey: ["console", "executions", filters],
    queryFn: () => unwrap(() => api.GET("/trigger-executions", { params: { query: { ...filters, limit: 100 } } })),
    refetchInterval: live ? 2000 : false,
    placeholderData: keepPreviousData,
  });
}

export function useExecution(id: string, live: boolean) {
  return useQuery({
    queryKey: ["console", "execution", id],
    queryFn: () =>
      unwrap(() => api.GET("/trigger-executions/{execution_id}", { params: { path: { execution_id: id } } })),
    refetchInterval: live ? 2000 : false,
  });
}

export function useStats(live: boolean) {
  return useQuery({
    queryKey: ["console", "stats"],
    queryFn: () => unwrap(() => api.GET("/trigger-executions/stats", { params: { query: { days: 7 } } })),
    refetchInterval: live ? 5000 : false,
  });
}

export function useTriggers() {
  return useQuery({
    queryKey: ["console", "triggers"],
    queryFn: async () => (await unwrap(() => api.GET("/triggers", { params: { query: { limit: PAGE } } }))).items,
    staleTime: 30_000,
  });
}

export function useOutbox() {
  return useQuery({
    queryKey: ["console", "system", "outbox"],
    queryFn: () => unwrap(() => api.GET("/system/outbox")),
    refetchInterval: 2000,
  });
}

export function useProcesses() {
  return useQuery({
    queryKey: ["console", "system", "processes"],
    queryFn: async () => (await unwrap(() => api.GET("/system/processes", { params: { query: { limit: PAGE } } }))).items,
    refetchInterval: 5000,
  });
}
