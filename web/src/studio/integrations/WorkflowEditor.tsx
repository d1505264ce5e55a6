// An integration workflow: what starts it (something new at one of the integration's sources,
// a schedule, or a platform event), what it does (an action of an integration, or a platform
// action), and where its sync has got to: the source's cursor, the last sync, whether a sync
// runs now, the items handed over, the latest runs; "Sync now" runs it at once.
import { useEffect, useMemo, useState } from "react";
import { Link as RouterLink, useNavigate, useParams } from "react-router";
import { Alert, Anchor, Badge, Button, Code, Group, Loader, NativeSelect, NumberInput, Paper, SegmentedControl, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import Form from "@rjsf/mantine";
import validator from "@rjsf/validator-ajv8";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { useFlows, useTables, useTasks } from "../api";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { formSchema, formUiSchema, fromForm, toForm } from "./schemaForm";
import {
  integrationKeys,
  syncNow,
  useIntegration,
  useIntegrationTypes,
  useRuns,
  useWorkflow,
  useWorkflowProgress,
  type Operation,
} from "./integrationApi";
import { PlatformActionConfig } from "./PlatformActionConfig";

const EVENTS = [
  "TASK_COMPLETED",
  "TASK_UPDATED",
  "FIELD_CHANGED",
  "TASK_STARTED",
  "FLOW_STARTED",
  "FLOW_COMPLETED",
  "DATABASE_ROW_CREATED",
  "DATABASE_ROW_UPDATED",
];

type Trigger = {
  type: "source" | "schedule" | "event";
  source?: string;
  config?: Record<string, unknown>;
  intervalSeconds?: number;
  eventType?: string;
  flowId?: string;
  taskId?: string;
  tableId?: string;
};

type Action = {
  action?: string;
  inputs?: Record<string, unknown>;
  platformAction?: string;
  config?: Record<string, unknown>;
};

/** One line saying what starts a workflow. */
export function triggerSummary(config: Record<string, unknown>): string {
  const t = config as Trigger;
  if (t.type === "source") return `new ${t.source ?? "items"} every ${t.intervalSeconds ?? 300} s`;
  if (t.type === "schedule") return `every ${t.intervalSeconds ?? 300} s`;
  if (t.type === "event") return `on ${t.eventType ?? "an event"}`;
  return "";
}

function operations(list: unknown[] | undefined): Operation[] {
  return (list ?? []) as Operation[];
}

export function WorkflowEditor() {
  const { id: integrationId, wid } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const integration = useIntegration(integrationId);
  const types = useIntegrationTypes();
  const workflow = useWorkflow(wid);
  const flows = useFlows();
  const tasks = useTasks();
  const tables = useTables();
  const [name, setName] = useState("");
  const [active, setActive] = useState(true);
  const [trigger, setTrigger] = useState<Trigger>({ type: "source", intervalSeconds: 300 });
  const [action, setAction] = useState<Action>({});
  const [kind, setKind] = useState<"integration" | "platform">("integration");
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [saved, setSaved] = useState(false);
  const itype = types.data?.find((t) => t.name === integration.data?.type);
  const sources = operations(itype?.sources);
  const actions = operations(itype?.actions);
  const source = sources.find((s) => s.name === trigger.source);
  const chosenAction = actions.find((a) => a.name === action.action);

  useEffect(() => {
    const row = workflow.data;
    if (!row) return;
    setName(row.name);
    setActive(row.isActive);
    setTrigger(row.triggerConfig as Trigger);
    const a = row.actionConfig as Action;
    setAction(a);
    setKind(a.platformAction ? "platform" : "integration");
  }, [workflow.data]);
  useEffect(() => {
    if (!wid && !trigger.source && sources[0]) setTrigger((t) => ({ ...t, source: sources[0].name }));
  }, [wid, sources, trigger.source]);

  const inputSchema = chosenAction?.inputSchema;
  const inputForm = useMemo(() => formSchema(inputSchema, { templated: true }), [inputSchema]);
  const inputUi = useMemo(() => formUiSchema(inputSchema), [inputSchema]);

  const save = useMutation({
    mutationFn: () => {
      const triggerConfig: Record<string, unknown> = { ...trigger };
      if (trigger.type !== "source") {
        delete triggerConfig.source;
        delete triggerConfig.config;
      }
      if (trigger.type === "event") delete triggerConfig.intervalSeconds;
      else for (const key of ["eventType", "flowId", "taskId", "tableId"]) delete triggerConfig[key];
      for (const [key, value] of Object.entries(triggerConfig)) if (value === "" || value === undefined) delete triggerConfig[key];
      const actionConfig =
        kind === "platform"
          ? { platformAction: action.platformAction ?? "", config: action.config ?? {} }
          : { action: action.action ?? "", inputs: fromForm(action.inputs ?? {}, inputSchema) };
      return wid
        ? unwrap(() => api.PATCH("/integration-workflows/{id}", { params: { path: { id: wid } }, body: { name: name.trim(), isActive: active, triggerConfig, actionConfig } }))
        : unwrap(() => api.POST("/integration-workflows", { body: { name: name.trim(), integrationId: integrationId!, isActive: active, triggerConfig, actionConfig } }));
    },
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: integrationKeys.workflows(integrationId ?? "") });
      client.setQueryData(integrationKeys.workflow(out.id), out);
      if (!wid) navigate(`/studio/integrations/${integrationId}/workflows/${out.id}`, { replace: true });
    },
  });

  if (integration.isPending || (wid && workflow.isPending)) return <Loader aria-label="Loading" />;
  if (integration.error || workflow.error) return <Alert color="red">{messageOf(integration.error ?? workflow.error)}</Alert>;
  const at = (...path: string[]) => messageAt(problems, ...path);
  return (
    <Stack maw={980}>
      <Group justify="space-between">
        <Stack gap={0}>
          <Anchor component={RouterLink} to={`/studio/integrations/${integrationId}`} size="sm">
            {integration.data?.name}
          </Anchor>
          <Title order={1} size="h3">
            {wid ? name || "Workflow" : "New workflow"}
          </Title>
        </Stack>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!name.trim()}>
          Save
        </Button>
      </Group>
      {saved && (
        <Text c="teal.9" role="status">
          Saved.
        </Text>
      )}
      {save.error && (
        <Alert color="red" role="alert" title="The server did not save the workflow">
          {problems.length ? problems.map((p) => `${p.path}: ${p.message}`).join("; ") : messageOf(save.error)}
        </Alert>
      )}
      <Group wrap="wrap" align="flex-end">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} miw={260} />
        <Switch label="Active" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      </Group>

      <Paper withBorder p="md" component="section" aria-label="Runs when">
        <Title order={2} size="h5" mb="xs">
          Runs when
        </Title>
        <Stack gap="xs">
          <NativeSelect
            label="Start"
            data={[
              ...(sources.length ? [{ value: "source", label: "Something new at the source" }] : []),
              { value: "schedule", label: "On a schedule" },
              { value: "event", label: "A platform event" },
            ]}
            value={trigger.type}
            onChange={(e) => setTrigger({ ...trigger, type: e.currentTarget.value as Trigger["type"] })}
            error={at("triggerConfig", "type")}
          />
          {trigger.type === "source" && (
            <>
              <NativeSelect
                label="Source"
                data={sources.map((s) => ({ value: s.name, label: s.label }))}
                value={trigger.source ?? ""}
                onChange={(e) => setTrigger({ ...trigger, source: e.currentTarget.value, config: {} })}
                error={at("triggerConfig", "source")}
                description={source?.description}
              />
              {source && (
                <Form
                  key={source.name}
                  idPrefix="source"
                  schema={formSchema(source.configSchema)}
                  uiSchema={formUiSchema(source.configSchema)}
                  formData={toForm(trigger.config ?? {}, source.configSchema)}
                  validator={validator}
                  showErrorList={false}
                  onChange={(e) => setTrigger((t) => ({ ...t, config: fromForm(e.formData as Record<string, unknown>, source.configSchema) }))}
                />
              )}
            </>
          )}
          {trigger.type !== "event" && (
            <NumberInput
              label="Every (seconds, at least 10)"
              min={10}
              value={trigger.intervalSeconds ?? 300}
              onChange={(v) => setTrigger({ ...trigger, intervalSeconds: typeof v === "number" ? v : Number(v) })}
              error={at("triggerConfig", "intervalSeconds")}
              maw={260}
            />
          )}
          {trigger.type === "event" && (
            <Group grow wrap="wrap">
              <NativeSelect label="Event" data={EVENTS} value={trigger.eventType ?? EVENTS[0]} onChange={(e) => setTrigger({ ...trigger, eventType: e.currentTarget.value })} error={at("triggerConfig", "eventType")} />
              <NativeSelect label="Of the flow" data={[{ value: "", label: "Any" }, ...(flows.data ?? []).map((f) => ({ value: f.id, label: f.name }))]} value={trigger.flowId ?? ""} onChange={(e) => setTrigger({ ...trigger, flowId: e.currentTarget.value })} />
              <NativeSelect label="Of the form" data={[{ value: "", label: "Any" }, ...(tasks.data ?? []).map((t) => ({ value: t.id, label: t.name }))]} value={trigger.taskId ?? ""} onChange={(e) => setTrigger({ ...trigger, taskId: e.currentTarget.value })} />
              <NativeSelect label="Of the table" data={[{ value: "", label: "Any" }, ...(tables.data ?? []).map((t) => ({ value: t.id, label: t.displayName }))]} value={trigger.tableId ?? ""} onChange={(e) => setTrigger({ ...trigger, tableId: e.currentTarget.value })} />
            </Group>
          )}
        </Stack>
      </Paper>

      <Paper withBorder p="md" component="section" aria-label="Does">
        <Title order={2} size="h5" mb="xs">
          Does
        </Title>
        <Stack gap="xs">
          <SegmentedControl
            value={kind}
            onChange={(v) => setKind(v as typeof kind)}
            data={[
              { value: "integration", label: `An action of ${integration.data?.name ?? "the integration"}` },
              { value: "platform", label: "A platform action" },
            ]}
          />
          <Text size="xs" c="gray.7">
            Values may be {"{{ }}"} templates of the item's fields (a source's item, also under item) or of the event's payload.
          </Text>
          {kind === "integration" ? (
            <>
              <NativeSelect
                label="Action"
                data={[{ value: "", label: "Choose an action" }, ...actions.map((a) => ({ value: a.name, label: a.label }))]}
                value={action.action ?? ""}
                onChange={(e) => setAction({ action: e.currentTarget.value, inputs: {} })}
                error={at("actionConfig", "action")}
                description={chosenAction?.description}
              />
              {chosenAction && (
                <Form
                  key={chosenAction.name}
                  idPrefix="inputs"
                  schema={inputForm}
                  uiSchema={inputUi}
                  formData={toForm(action.inputs ?? {}, inputSchema)}
                  validator={validator}
                  showErrorList={false}
                  onChange={(e) => setAction((a) => ({ ...a, inputs: e.formData as Record<string, unknown> }))}
                />
              )}
            </>
          ) : (
            <PlatformActionConfig
              action={action.platformAction ?? ""}
              config={action.config ?? {}}
              onAction={(platformAction) => setAction({ platformAction, config: {} })}
              onConfig={(config) => setAction((a) => ({ ...a, config }))}
            />
          )}
        </Stack>
      </Paper>
      {wid && <Progress workflowId={wid} />}
    </Stack>
  );
}

function Progress({ workflowId }: { workflowId: string }) {
  const client = useQueryClient();
  const progress = useWorkflowProgress(workflowId);
  const runs = useRuns("workflow", workflowId);
  const sync = useMutation({
    mutationFn: () => syncNow(workflowId),
    onSettled: () => {
      client.invalidateQueries({ queryKey: ["studio", "integration-workflow-cursor", workflowId] });
      client.invalidateQueries({ queryKey: ["studio", "integration-runs", "workflow", workflowId] });
    },
  });
  const p = progress.data;
  return (
    <Paper withBorder p="md" component="section" aria-label="Sync state">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h5">
          Where the sync has got to
        </Title>
        <Button variant="default" loading={sync.isPending} onClick={() => sync.mutate()}>
          Sync now
        </Button>
      </Group>
      {sync.data && (
        <Text size="sm" role="status" mb="xs">
          Sync {sync.data.status.toLowerCase()}: {sync.data.imported} imported, {sync.data.skipped} skipped{sync.data.error ? ` (${sync.data.error})` : ""}.
        </Text>
      )}
      {sync.error && <Alert color="red">{messageOf(sync.error)}</Alert>}
      {p ? (
        <Stack gap={4}>
          <Group gap="lg" wrap="wrap">
            <Text size="sm">Last sync: {p.lastSyncAt ? when(p.lastSyncAt) : "never"}</Text>
            <Text size="sm">Items handed over: {p.items}</Text>
            {p.unfinished > 0 && <Badge color="red.9">{p.unfinished} unfinished</Badge>}
            {p.syncingUntil && <Badge color="blue.8">Syncing (lease until {when(p.syncingUntil)})</Badge>}
          </Group>
          <Text size="sm" fw={500}>
            Cursor
          </Text>
          <Code block aria-label="Cursor">
            {Object.keys(p.cursor).length ? JSON.stringify(p.cursor, null, 2) : "(none yet: the first sync starts from the beginning)"}
          </Code>
        </Stack>
      ) : (
        <Loader size="sm" aria-label="Loading" />
      )}
      {(runs.data ?? []).length > 0 && (
        <Table.ScrollContainer minWidth={520} mt="sm">
          <Table aria-label="Latest runs" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Items</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.data!.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{when(r.startedAt)}</Table.Td>
                  <Table.Td>
                    {r.kind} {r.operation}
                    {r.error && (
                      <Text size="xs" c="red.8">
                        {r.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{r.status}</Table.Td>
                  <Table.Td>{r.items}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
