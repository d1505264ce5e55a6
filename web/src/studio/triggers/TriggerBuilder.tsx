// The trigger builder: the event and what it is attached to (a form, a flow, a table, a
// schedule with its next firings, a webhook with its URL and secret shown once), the condition
// in the visual builder, actions in order each configured from its JSON Schema (RJSF), the
// settings (their JSON Schema from the server), and a test run by the server on sample data or a
// recorded event: the condition's explanation tree and what each action would be given.
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import {
  Alert,
  Autocomplete,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  JsonInput,
  List,
  Loader,
  NativeSelect,
  SegmentedControl,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Form from "@rjsf/mantine";
import validator from "@rjsf/validator-ajv8";
import type { RJSFSchema } from "@rjsf/utils";
import { CronExpressionParser } from "cron-parser";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import type { FieldDef } from "../../forms/types";
import { keys, useActionTypes, useFlows, useTables, useTasks, useTrigger, useTriggerSchemas, type Task, type TriggerTest } from "../api";
import { ExplanationTree, type ExplanationNode } from "../conditions/ExplanationTree";
import { RuleBuilder } from "../conditions/RuleBuilder";
import { messageAt, problemsOf, type PathProblem } from "../problems";

const EVENTS = [
  { value: "TASK_COMPLETED", label: "A form is submitted", attach: "task" },
  { value: "TASK_STARTED", label: "A form is started", attach: "task" },
  { value: "TASK_UPDATED", label: "A submission changes", attach: "task" },
  { value: "FIELD_CHANGED", label: "A field changes", attach: "task" },
  { value: "FLOW_STARTED", label: "A flow starts", attach: "flow" },
  { value: "FLOW_COMPLETED", label: "A flow completes", attach: "flow" },
  { value: "DATABASE_ROW_CREATED", label: "A record is added", attach: "table" },
  { value: "DATABASE_ROW_UPDATED", label: "A record changes", attach: "table" },
  { value: "SCHEDULED", label: "On a schedule", attach: "schedule" },
  { value: "WEBHOOK_RECEIVED", label: "A webhook is received", attach: "webhook" },
] as const;

type EventType = (typeof EVENTS)[number]["value"];

const TIME_ZONES: string[] = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? ["UTC"];

interface ActionStep {
  type: string;
  config: Record<string, unknown>;
  onFailure?: "stop" | "continue";
}

interface Draft {
  name: string;
  description: string;
  isActive: boolean;
  eventType: EventType;
  taskId: string | null;
  flowId: string | null;
  tableId: string | null;
  eventConfig: Record<string, unknown>;
  conditions: unknown;
  actions: ActionStep[];
  settings: Record<string, unknown>;
}

const EMPTY: Draft = {
  name: "",
  description: "",
  isActive: true,
  eventType: "TASK_COMPLETED",
  taskId: null,
  flowId: null,
  tableId: null,
  eventConfig: {},
  conditions: null,
  actions: [],
  settings: {},
};

/** The next firings of a cron expression in a time zone (cron-parser), or why it is invalid. */
export function nextFirings(cron: string, tz: string, count = 5): string[] | string {
  try {
    const it = CronExpressionParser.parse(cron, { tz: tz || "UTC" });
    return it.take(count).map((d) => new Date(d.toISOString() ?? "").toLocaleString(undefined, { timeZone: tz || "UTC", dateStyle: "medium", timeStyle: "short" }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === "") continue;
      const c = clean(v);
      if (c && typeof c === "object" && !Array.isArray(c) && Object.keys(c).length === 0 && k === "rateLimit") continue;
      out[k] = c;
    }
    return out;
  }
  return value;
}

/** A schema's `$ref` to its `$defs` resolved at the top, as RJSF renders it best. */
function actionSchema(schema: Record<string, unknown> | undefined): RJSFSchema {
  if (!schema) return { type: "object" };
  return schema as RJSFSchema;
}

function fieldsOf(draft: Draft, tasks: Task[], flowTasks: string[], tableSchema: FieldDef[]): FieldDef[] {
  const attach = EVENTS.find((e) => e.value === draft.eventType)?.attach;
  if (attach === "task") return (tasks.find((t) => t.id === draft.taskId)?.fields ?? []) as unknown as FieldDef[];
  if (attach === "flow") return flowTasks.flatMap((id) => (tasks.find((t) => t.id === id)?.fields ?? []) as unknown as FieldDef[]);
  if (attach === "table") return tableSchema;
  return [];
}

export function TriggerBuilder() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const trigger = useTrigger(id);
  const tasks = useTasks();
  const flows = useFlows();
  const tables = useTables();
  const actionTypes = useActionTypes();
  const schemas = useTriggerSchemas();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [saved, setSaved] = useState(false);
  const [sample, setSample] = useState("{}");
  const [source, setSource] = useState<"sample" | "event">("sample");
  const [eventId, setEventId] = useState("");
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);

  useEffect(() => {
    if (!trigger.data) return;
    const t = trigger.data;
    setDraft({
      name: t.name,
      description: t.description ?? "",
      isActive: t.isActive,
      eventType: t.eventType as EventType,
      taskId: t.taskId,
      flowId: t.flowId,
      tableId: t.tableId,
      eventConfig: t.eventConfig ?? {},
      conditions: t.conditions ?? null,
      actions: (t.actions ?? []) as ActionStep[],
      settings: t.settings ?? {},
    });
  }, [trigger.data]);

  const eventInfo = (schemas.data?.events ?? []).find((e) => e.type === draft.eventType);
  const attach = eventInfo?.attachedTo ?? EVENTS.find((e) => e.value === draft.eventType)?.attach;
  // The event's eventConfig as its JSON Schema says; a schedule's cron and time zone have
  // their own editor above (with the next firings), one of cron or interval is given.
  const eventConfigSchema = useMemo(() => {
    const schema = (eventInfo?.configSchema ?? { type: "object" }) as RJSFSchema;
    const props = { ...((schema.properties ?? {}) as Record<string, RJSFSchema>) };
    if (attach === "schedule") for (const k of ["cron", "timezone", "interval"]) delete props[k];
    return { ...schema, properties: props } as RJSFSchema;
  }, [eventInfo, attach]);
  const flow = useQuery({
    queryKey: keys.flow(draft.flowId ?? ""),
    queryFn: () => unwrap(() => api.GET("/flows/{flow_id}", { params: { path: { flow_id: draft.flowId! } } })),
    enabled: attach === "flow" && !!draft.flowId,
  });
  const table = (tables.data ?? []).find((t) => t.id === draft.tableId);
  const fields = fieldsOf(
    draft,
    tasks.data ?? [],
    (flow.data?.levels ?? []).flatMap((l) => l.tasks.map((t) => t.id)),
    ((table?.schema as { fields?: FieldDef[] } | undefined)?.fields ?? (Array.isArray(table?.schema) ? (table?.schema as unknown as FieldDef[]) : [])) as FieldDef[],
  );
  const payloadKeys = (schemas.data?.events ?? []).find((e) => e.type === draft.eventType)?.payloadKeys ?? [];
  // What a template may name: the attached form's fields (by id, as the server also offers
  // labels), the event's payload keys, and the event and trigger themselves.
  const variables = useMemo(
    () => [...new Set([...fields.map((f) => f.id), ...payloadKeys.filter((k) => k !== "data"), "event.id", "event.type", "trigger.name"])],
    [fields, payloadKeys],
  );

  const body = useMemo(
    () => ({
      name: draft.name.trim(),
      description: draft.description.trim() || null,
      isActive: draft.isActive,
      eventType: draft.eventType,
      taskId: attach === "task" ? draft.taskId : null,
      flowId: attach === "flow" ? draft.flowId : null,
      tableId: attach === "table" ? draft.tableId : null,
      eventConfig: attach === "schedule" || Object.keys(eventConfigSchema.properties ?? {}).length ? (clean(draft.eventConfig) as Record<string, unknown>) : {},
      conditions: draft.conditions ?? null,
      actions: draft.actions.map((a) => clean(a)) as unknown[],
      settings: clean(draft.settings) as Record<string, unknown>,
    }),
    [draft, attach, eventConfigSchema],
  );

  const save = useMutation({
    mutationFn: () =>
      id
        ? unwrap(() => api.PATCH("/triggers/{trigger_id}", { params: { path: { trigger_id: id } }, body }))
        : unwrap(() => api.POST("/triggers", { body })),
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: keys.triggers });
      if (!id) navigate(`/studio/triggers/${out.id}`, { replace: true });
      else client.setQueryData(keys.trigger(id), out);
    },
  });

  const [testProblems, setTestProblems] = useState<PathProblem[]>([]);
  const test = useMutation({
    mutationFn: async () => {
      const request = source === "event" ? { eventId: eventId.trim() } : { data: JSON.parse(sample || "{}") as Record<string, unknown> };
      // The server tests the trigger as saved: save the draft first.
      await unwrap(() => api.PATCH("/triggers/{trigger_id}", { params: { path: { trigger_id: id! } }, body }));
      return unwrap(() => api.POST("/triggers/{trigger_id}/test", { params: { path: { trigger_id: id! } }, body: request }));
    },
    onMutate: () => setTestProblems([]),
    onError: (error) => setTestProblems(problemsOf(error)),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.trigger(id!) }),
  });
  const executions = useQuery({
    queryKey: ["studio", "trigger-executions", id],
    queryFn: async () => (await unwrap(() => api.GET("/trigger-executions", { params: { query: { triggerId: id!, limit: 10 } } }))).items,
    enabled: !!id,
  });

  const endpoints = useQuery({
    queryKey: ["studio", "webhook-endpoints", id],
    queryFn: async () => (await unwrap(() => api.GET("/triggers/{trigger_id}/webhook-endpoints", { params: { path: { trigger_id: id! } } }))),
    enabled: !!id && attach === "webhook",
  });
  const createEndpoint = useMutation({
    mutationFn: () => unwrap(() => api.POST("/triggers/{trigger_id}/webhook-endpoints", { params: { path: { trigger_id: id! } }, body: {} as never })),
    onSuccess: (out) => {
      const o = out as unknown as { url?: string; secret?: string; id: string };
      setSecret({ url: o.url ?? `${window.location.origin}/webhooks/${o.id}`, secret: o.secret ?? "" });
      endpoints.refetch();
    },
  });

  if (id && trigger.isPending) return <Loader aria-label="Loading" />;
  if (trigger.error) return <Alert color="red">{messageOf(trigger.error)}</Alert>;

  const cron = String(draft.eventConfig.cron ?? "");
  const tz = String(draft.eventConfig.timezone ?? "UTC");
  const firings = cron ? nextFirings(cron, tz) : null;
  const setAction = (i: number, patch: Partial<ActionStep>) =>
    setDraft((d) => ({ ...d, actions: d.actions.map((a, j) => (j === i ? { ...a, ...patch } : a)) }));
  const moveAction = (i: number, to: number) =>
    setDraft((d) => {
      const actions = [...d.actions];
      const [a] = actions.splice(i, 1);
      actions.splice(to, 0, a);
      return { ...d, actions };
    });
  const general = problems.filter((p) => !/^(\/)?(actions|conditions|settings)\b/.test(p.path));

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? draft.name || "Trigger" : "New trigger"}
          </Title>
          {trigger.data && <Badge color={trigger.data.isActive ? "teal.9" : "gray.7"}>{trigger.data.isActive ? "On" : "Off"}</Badge>}
        </Group>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.name.trim()}>
          Save
        </Button>
      </Group>
      {saved && (
        <Text c="green.8" role="status">
          Saved.
        </Text>
      )}
      {problems.length > 0 && (
        <Alert color="red" title="The server did not save the trigger" role="alert">
          {problems.length} problem{problems.length > 1 ? "s" : ""}, shown where they belong.
          {general.map((p) => (
            <Text key={p.path + p.message} size="sm">
              <Code>{p.path}</Code> {p.message}
            </Text>
          ))}
        </Alert>
      )}
      {save.error && problems.length === 0 && <Alert color="red">{messageOf(save.error)}</Alert>}
      <Group grow align="flex-start" wrap="wrap">
        <TextInput label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={220} />
        <Textarea label="Description" autosize minRows={1} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} miw={220} />
      </Group>
      <Switch label="Active" checked={draft.isActive} onChange={(e) => setDraft({ ...draft, isActive: e.currentTarget.checked })} />
      <Tabs defaultValue="event" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="event">Event</Tabs.Tab>
          <Tabs.Tab value="condition">Condition</Tabs.Tab>
          <Tabs.Tab value="actions">Actions ({draft.actions.length})</Tabs.Tab>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
          <Tabs.Tab value="test">Test</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="event" pt="md">
          <Stack maw={560}>
            <NativeSelect label="When" value={draft.eventType} data={EVENTS.map((e) => ({ value: e.value, label: e.label }))} onChange={(e) => setDraft({ ...draft, eventType: e.currentTarget.value as EventType, eventConfig: {} })} />
            {attach === "task" && (
              <NativeSelect
                label="Form"
                value={draft.taskId ?? ""}
                data={[{ value: "", label: "Any form" }, ...(tasks.data ?? []).map((t) => ({ value: t.id, label: t.name }))]}
                onChange={(e) => setDraft({ ...draft, taskId: e.currentTarget.value || null })}
                error={messageAt(problems, "taskId")}
              />
            )}
            {attach === "flow" && (
              <NativeSelect
                label="Flow"
                value={draft.flowId ?? ""}
                data={[{ value: "", label: "Any flow" }, ...(flows.data ?? []).map((f) => ({ value: f.id, label: f.name }))]}
                onChange={(e) => setDraft({ ...draft, flowId: e.currentTarget.value || null })}
                error={messageAt(problems, "flowId")}
              />
            )}
            {attach === "table" && (
              <NativeSelect
                label="Table"
                value={draft.tableId ?? ""}
                data={[{ value: "", label: "Choose a table" }, ...(tables.data ?? []).map((t) => ({ value: t.id, label: t.displayName || t.name }))]}
                onChange={(e) => setDraft({ ...draft, tableId: e.currentTarget.value || null })}
                error={messageAt(problems, "tableId")}
              />
            )}
            {attach === "schedule" && (
              <>
                <TextInput
                  label="Cron expression (minute hour day month weekday)"
                  placeholder="0 9 * * 1-5"
                  value={cron}
                  onChange={(e) => setDraft({ ...draft, eventConfig: { ...draft.eventConfig, cron: e.currentTarget.value } })}
                  error={typeof firings === "string" ? firings : messageAt(problems, "eventConfig")}
                />
                <Autocomplete
                  label="Time zone"
                  placeholder="Asia/Kolkata"
                  data={TIME_ZONES}
                  limit={20}
                  value={String(draft.eventConfig.timezone ?? "")}
                  onChange={(timezone) => setDraft({ ...draft, eventConfig: { ...draft.eventConfig, timezone } })}
                  error={messageAt(problems, "eventConfig", "timezone")}
                />
                {Array.isArray(firings) && (
                  <Card withBorder aria-label="Next firings">
                    <Text size="sm" fw={500}>
                      Next firings ({tz})
                    </Text>
                    <List size="sm">
                      {firings.map((f) => (
                        <List.Item key={f}>{f}</List.Item>
                      ))}
                    </List>
                  </Card>
                )}
              </>
            )}
            {Object.keys(eventConfigSchema.properties ?? {}).length > 0 && (
              <Form
                schema={eventConfigSchema}
                formData={draft.eventConfig}
                validator={validator}
                uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
                onChange={(e) => setDraft((d) => ({ ...d, eventConfig: { ...d.eventConfig, ...(e.formData as Record<string, unknown>) } }))}
              />
            )}
            {attach === "webhook" && (
              <Stack gap="xs">
                {!id && <Text size="sm">Save the trigger first, then add its webhook URL.</Text>}
                {id && (
                  <>
                    {(endpoints.data?.items ?? []).map((e) => (
                      <Text key={e.id} size="sm">
                        <Code>{`${window.location.origin}/webhooks/${e.id}`}</Code>
                      </Text>
                    ))}
                    <Button w="fit-content" variant="light" onClick={() => createEndpoint.mutate()} loading={createEndpoint.isPending}>
                      Add a webhook URL
                    </Button>
                    {createEndpoint.error && <Alert color="red">{messageOf(createEndpoint.error)}</Alert>}
                    {secret && (
                      <Alert color="yellow" title="Signing secret, shown once">
                        <Text size="sm">URL: <Code>{secret.url}</Code></Text>
                        <Group gap="xs">
                          <Code>{secret.secret}</Code>
                          <CopyButton value={secret.secret}>{({ copied, copy }) => <Button size="compact-xs" onClick={copy}>{copied ? "Copied" : "Copy"}</Button>}</CopyButton>
                        </Group>
                      </Alert>
                    )}
                  </>
                )}
              </Stack>
            )}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="condition" pt="md">
          <Stack gap="xs">
            <Text size="sm" c="gray.7">
              The actions run only when the condition holds (empty: always).
            </Text>
            <RuleBuilder label="Trigger condition" value={draft.conditions} fields={fields} onChange={(rule) => setDraft((d) => ({ ...d, conditions: rule }))} error={messageAt(problems, "conditions")} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="actions" pt="md">
          <Stack>
            <Text size="xs" c="gray.7">
              Text settings are templates: pick a setting, then a variable under it to insert {"{{variable}}"}.
            </Text>
            {draft.actions.map((action, i) => {
              const type = (actionTypes.data ?? []).find((t) => t.name === action.type);
              return (
                <Card key={i} withBorder aria-label={`Action ${i + 1}`}>
                  <Stack gap="xs">
                    <Group justify="space-between" wrap="wrap">
                      <Group gap="xs">
                        <Badge circle>{i + 1}</Badge>
                        <NativeSelect
                          aria-label={`Type of action ${i + 1}`}
                          value={action.type}
                          data={(actionTypes.data ?? []).map((t) => ({ value: t.name, label: t.name }))}
                          onChange={(e) => setAction(i, { type: e.currentTarget.value, config: {} })}
                        />
                      </Group>
                      <Group gap={4}>
                        <Button size="compact-xs" variant="default" disabled={i === 0} onClick={() => moveAction(i, i - 1)}>
                          Up
                        </Button>
                        <Button size="compact-xs" variant="default" disabled={i === draft.actions.length - 1} onClick={() => moveAction(i, i + 1)}>
                          Down
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red.8" onClick={() => setDraft({ ...draft, actions: draft.actions.filter((_, j) => j !== i) })}>
                          Remove action {i + 1}
                        </Button>
                      </Group>
                    </Group>
                    {type && <Text size="xs" c="gray.7">{type.description}</Text>}
                    {messageAt(problems, "actions", String(i)) && (
                      <Text size="sm" c="red.8" role="alert">
                        {messageAt(problems, "actions", String(i))}
                      </Text>
                    )}
                    {type && (
                      <ActionConfig
                        key={`${i}:${action.type}`}
                        schema={actionSchema(type.configSchema)}
                        value={action.config}
                        tables={(tables.data ?? []).map((t) => ({ id: t.id, name: t.displayName || t.name, fields: tableFields(t.schema) }))}
                        variables={variables}
                        label={`Action ${i + 1}`}
                        onChange={(config) => setAction(i, { config })}
                      />
                    )}
                  </Stack>
                </Card>
              );
            })}
            <Button
              variant="light"
              w="fit-content"
              disabled={!actionTypes.data?.length}
              onClick={() => setDraft({ ...draft, actions: [...draft.actions, { type: actionTypes.data?.find((t) => t.name === "notify")?.name ?? actionTypes.data![0].name, config: {} }] })}
            >
              Add an action
            </Button>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="settings" pt="md">
          <div style={{ maxWidth: 560 }}>
            <Form
              schema={(schemas.data?.settingsSchema ?? { type: "object" }) as RJSFSchema}
              formData={draft.settings}
              validator={validator}
              uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
              onChange={(e) => setDraft((d) => ({ ...d, settings: (e.formData ?? {}) as Record<string, unknown> }))}
            />
            {messageAt(problems, "settings") && (
              <Text c="red.8" size="sm" role="alert">
                {messageAt(problems, "settings")}
              </Text>
            )}
          </div>
        </Tabs.Panel>
        <Tabs.Panel value="test" pt="md">
          <div className="studio-split">
            <Stack gap="xs">
              <SegmentedControl
                aria-label="Test on"
                value={source}
                onChange={(v) => setSource(v as "sample" | "event")}
                data={[
                  { value: "sample", label: "Sample data" },
                  { value: "event", label: "A recorded event" },
                ]}
              />
              {source === "sample" ? (
                <>
                  <JsonInput
                    label="Sample event data"
                    value={sample}
                    onChange={setSample}
                    autosize
                    minRows={4}
                    validationError="Not valid JSON"
                    formatOnBlur
                    error={messageAt(testProblems, "data")}
                  />
                  <Text size="xs" c="gray.7">
                    Keys: the form's field ids {fields.length ? `(${fields.map((f) => f.id).join(", ")})` : ""}
                    {payloadKeys.length ? ` and the event's own (${payloadKeys.join(", ")})` : ""}.
                  </Text>
                  {(executions.data ?? []).length > 0 && (
                    <NativeSelect
                      label="Or start from a past execution's event data"
                      value=""
                      data={[
                        { value: "", label: "Choose an execution" },
                        ...(executions.data ?? []).map((e) => ({ value: e.id, label: `${new Date(e.executedAt).toLocaleString()} · ${e.status}` })),
                      ]}
                      onChange={(e) => {
                        const found = (executions.data ?? []).find((x) => x.id === e.currentTarget.value);
                        if (found) setSample(JSON.stringify(found.eventData, null, 2));
                      }}
                    />
                  )}
                </>
              ) : (
                <TextInput
                  label="Event id"
                  description="A recorded event of this trigger's event type (events are kept for a while)."
                  value={eventId}
                  onChange={(e) => setEventId(e.currentTarget.value)}
                  error={messageAt(testProblems, "eventId")}
                />
              )}
              <Button w="fit-content" onClick={() => test.mutate()} loading={test.isPending} disabled={!id || (source === "event" && !eventId.trim())}>
                Test the trigger
              </Button>
              {!id && <Text size="sm">Save the trigger first.</Text>}
              {test.error && testProblems.length === 0 && <Alert color="red">{messageOf(test.error)}</Alert>}
              {testProblems.some((p) => !/^\/(data|eventId)/.test(p.path)) && (
                <Alert color="red" role="alert">
                  {testProblems.map((p) => `${p.path} ${p.message}`).join("; ")}
                </Alert>
              )}
            </Stack>
            {test.data && <TestResult result={test.data} />}
          </div>
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="md">
          <JsonInput
            label="The trigger as the API takes it"
            value={JSON.stringify(body, null, 2)}
            autosize
            minRows={10}
            maxRows={40}
            onChange={(text) => {
              try {
                const p = JSON.parse(text);
                setDraft((d) => ({ ...d, ...p, description: p.description ?? "" }));
              } catch {
                /* keep the last valid trigger */
              }
            }}
          />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function tableFields(schema: unknown): FieldDef[] {
  if (Array.isArray(schema)) return schema as FieldDef[];
  const fields = (schema as { fields?: unknown } | null)?.fields;
  return Array.isArray(fields) ? (fields as FieldDef[]) : [];
}

/** An action's config from its JSON Schema; an entity reference to a table is a choice, and
 * a record's `data` is a value (or template) per column of the chosen table. */
function ActionConfig({
  schema,
  value,
  tables,
  variables,
  label,
  onChange,
}: {
  schema: RJSFSchema;
  value: Record<string, unknown>;
  tables: { id: string; name: string; fields: FieldDef[] }[];
  variables: string[];
  label: string;
  onChange: (config: Record<string, unknown>) => void;
}) {
  // The text setting last focused (RJSF ids are root_<key>): where a variable goes.
  const [focused, setFocused] = useState<string | null>(null);
  const resolved = useMemo(() => {
    const defs = (schema.$defs ?? {}) as Record<string, RJSFSchema>;
    const ref = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
    const root = ref && defs[ref] ? { ...defs[ref], $defs: defs } : schema;
    const props = { ...((root.properties ?? {}) as Record<string, RJSFSchema>) };
    for (const [k, p] of Object.entries(props)) {
      if ((p as Record<string, unknown>)["x-erp-entity"] === "CustomTable" && tables.length) {
        props[k] = { ...p, oneOf: tables.map((t) => ({ const: t.id, title: t.name })) };
      }
    }
    return { ...root, properties: props } as RJSFSchema;
  }, [schema, tables]);
  const [dataText, setDataText] = useState<Record<string, string>>({});
  const objectKeys = Object.entries((resolved.properties ?? {}) as Record<string, RJSFSchema>)
    .filter(([, p]) => p.type === "object" && !p.properties)
    .map(([k]) => k);
  return (
    <Stack gap="xs">
      <Form
        schema={{ ...resolved, properties: Object.fromEntries(Object.entries(resolved.properties ?? {}).filter(([k]) => !objectKeys.includes(k))) }}
        formData={value}
        validator={validator}
        uiSchema={{ "ui:submitButtonOptions": { norender: true } }}
        onFocus={(fieldId) => {
          const key = fieldId.replace(/^root_/, "");
          if (((resolved.properties ?? {}) as Record<string, RJSFSchema>)[key]) setFocused(key);
        }}
        onChange={(e) => onChange({ ...value, ...(e.formData as Record<string, unknown>) })}
      />
      {variables.length > 0 && (
        <Group gap={4} role="group" aria-label={`Variables for ${label}`}>
          <Text size="xs" c="gray.7">
            {focused ? `Insert into ${focused}:` : "Variables (pick a setting first):"}
          </Text>
          {variables.map((v) => (
            <Button
              key={v}
              size="compact-xs"
              variant="light"
              disabled={!focused}
              onClick={() => {
                if (!focused) return;
                const current = value[focused];
                onChange({ ...value, [focused]: `${typeof current === "string" ? current : ""}{{${v}}}` });
              }}
            >
              {`{{${v}}}`}
            </Button>
          ))}
        </Group>
      )}
      {objectKeys.map((k) => {
        const columns = k === "data" ? tables.find((t) => t.id === value.tableId)?.fields ?? [] : [];
        const data = (value[k] ?? {}) as Record<string, unknown>;
        if (columns.length)
          return (
            <Stack key={k} gap={4} role="group" aria-label="Values of the record">
              <Text size="sm" fw={500}>
                Values of the record
              </Text>
              {columns.map((c) => (
                <TextInput
                  key={c.id}
                  label={c.label}
                  description={c.id}
                  placeholder={variables[0] ? `{{${variables[0]}}}` : "a value or {{variable}}"}
                  value={String(data[c.id] ?? "")}
                  onChange={(e) => {
                    const next = { ...data, [c.id]: e.currentTarget.value };
                    if (!e.currentTarget.value) delete next[c.id];
                    onChange({ ...value, [k]: next });
                  }}
                />
              ))}
            </Stack>
          );
        return (
        <JsonInput
          key={k}
          label={`${k} (JSON object; values may use {{variables}})`}
          value={dataText[k] ?? (value[k] ? JSON.stringify(value[k], null, 2) : "")}
          autosize
          minRows={2}
          validationError="Not valid JSON"
          onChange={(text) => {
            setDataText((d) => ({ ...d, [k]: text }));
            try {
              onChange({ ...value, [k]: text.trim() ? JSON.parse(text) : {} });
            } catch {
              /* not yet */
            }
          }}
        />
        );
      })}
    </Stack>
  );
}

/** A test run's answer: whether the condition holds with its explanation tree, and what each
 * action would be given (templates rendered) with the variables it would miss. */
function TestResult({ result }: { result: TriggerTest }) {
  return (
    <Card withBorder aria-label="Test result">
      <Title order={2} size="h5">
        {result.conditionsMet ? "The condition holds: the actions would run" : "The condition does not hold: nothing would run"}
      </Title>
      <Text size="xs" c="gray.7" mb="xs">
        {result.event.id ? `Recorded event ${String(result.event.id)}` : "Sample data"} · {String(result.event.type)}
      </Text>
      <ExplanationTree nodes={result.explanation as ExplanationNode[]} />
      {typeof result.conditionResult.error === "string" && (
        <Text c="red.8" size="sm" role="alert">
          {result.conditionResult.error}
        </Text>
      )}
      <Title order={3} size="h6" mt="sm">
        The actions, in order{result.conditionsMet ? "" : " (they would not run)"}
      </Title>
      <List type="ordered" spacing="xs" aria-label="What the actions would do">
        {result.actions.map((a) => (
          <List.Item key={a.index}>
            <Text size="sm" fw={500}>
              {a.type}
              {a.description ? ` — ${a.description}` : ""}
            </Text>
            <Code block style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
              {JSON.stringify(a.config, null, 2)}
            </Code>
            {a.warnings.map((w) => (
              <Text key={w} size="xs" c="yellow.9">
                {w}
              </Text>
            ))}
            {a.error && (
              <Text size="xs" c="red.8" role="alert">
                Would fail: {a.error}
              </Text>
            )}
          </List.Item>
        ))}
      </List>
      <Text size="xs" c="gray.7" mt="xs">
        Nothing ran: no e-mail, record or call was made.
      </Text>
    </Card>
  );
}
