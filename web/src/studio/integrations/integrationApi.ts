// The integrations' reads and calls, all through the public API: the types with their config
// schemas, the company's integrations and workflows, OAuth connect, connection tests, syncs,
// run logs and where each workflow's sync has got to.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";

export type IntegrationType = Schemas["IntegrationTypeOut"];
export type Integration = Schemas["IntegrationOut"];
export type Workflow = Schemas["WorkflowOut"];
export type Run = Schemas["RunOut"];

/** An action or a source of an integration type, as GET /integrations/types describes it. */
export interface Operation {
  name: string;
  label: string;
  description?: string;
  kind?: string;
  inputSchema?: Record<string, unknown>;
  configSchema?: Record<string, unknown>;
}

const PAGE = { params: { query: { limit: 200 } } } as const;

export const integrationKeys = {
  list: ["studio", "integrations"] as const,
  one: (id: string) => ["studio", "integrations", id] as const,
  workflows: (id: string) => ["studio", "integration-workflows", id] as const,
  workflow: (id: string) => ["studio", "integration-workflow", id] as const,
};

export function useIntegrationTypes() {
  return useQuery({
    queryKey: ["studio", "integration-types"],
    queryFn: async () => (await unwrap(() => api.GET("/integrations/types", PAGE))).items,
    staleTime: 300_000,
  });
}

export function useIntegrations() {
  return useQuery({ queryKey: integrationKeys.list, queryFn: async () => (await unwrap(() => api.GET("/integrations", PAGE))).items });
}

export function useIntegration(id: string | undefined) {
  return useQuery({
    queryKey: integrationKeys.one(id ?? ""),
    queryFn: () => unwrap(() => api.GET("/integrations/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
}

export function useWorkflows(integrationId: string | undefined) {
  return useQuery({
    queryKey: integrationKeys.workflows(integrationId ?? ""),
    queryFn: async () =>
      (await unwrap(() => api.GET("/integration-workflows", { params: { query: { integrationId: integrationId!, limit: 200 } } }))).items,
    enabled: !!integrationId,
  });
}

export function useWorkflow(id: string | undefined) {
  return useQuery({
    queryKey: integrationKeys.workflow(id ?? ""),
    queryFn: () => unwrap(() => api.GET("/integration-workflows/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
}

export function useWorkflowProgress(id: string | undefined) {
  return useQuery({
    queryKey: ["studio", "integration-workflow-cursor", id],
    queryFn: () => unwrap(() => api.GET("/integration-workflows/{workflow_id}/cursor", { params: { path: { workflow_id: id! } } })),
    enabled: !!id,
  });
}

export function useRuns(kind: "integration" | "workflow", id: string | undefined) {
  return useQuery({
    queryKey: ["studio", "integration-runs", kind, id],
    queryFn: async () =>
      kind === "integration"
        ? (await unwrap(() => api.GET("/integrations/{integration_id}/runs", { params: { path: { integration_id: id! }, query: { limit: 10 } } }))).items
        : (await unwrap(() => api.GET("/integration-workflows/{workflow_id}/runs", { params: { path: { workflow_id: id! }, query: { limit: 10 } } }))).items,
    enabled: !!id,
  });
}

/** Start the OAuth consent: the browser leaves for the vendor and comes back to
 * /integrations/oauth/callback (OAuthReturnPage). */
export async function startConsent(id: string): Promise<void> {
  const answer = await unwrap(() => api.GET("/integrations/{integration_id}/connect", { params: { path: { integration_id: id } } }));
  sessionStorage.setItem("erp.oauth.integration", id);
  window.location.assign(answer.authorizationUrl);
}

export function testConnection(id: string) {
  return unwrap(() => api.POST("/integrations/{integration_id}/test", { params: { path: { integration_id: id } } }));
}

export function syncNow(workflowId: string) {
  return unwrap(() => api.POST("/integration-workflows/{workflow_id}/sync", { params: { path: { workflow_id: workflowId } } }));
}
