// One integration: its type, name and settings (rendered by RJSF from the type's config schema;
// secrets typed once, stored encrypted, never shown again), the OAuth consent for Google,
// Microsoft and Zoho types (the browser goes to the vendor and comes back), a connection test
// that says what is wrong, the latest calls, and the integration's workflows.
import { useEffect, useMemo, useState } from "react";
import { Link as RouterLink, useNavigate, useParams, useSearchParams } from "react-router";
import { Alert, Anchor, Badge, Button, Checkbox, Group, Loader, NativeSelect, Paper, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import Form from "@rjsf/mantine";
import validator from "@rjsf/validator-ajv8";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { formSchema, formUiSchema, fromForm, toForm } from "./schemaForm";
import {
  integrationKeys,
  startConsent,
  testConnection,
  useIntegration,
  useIntegrationTypes,
  useRuns,
  useWorkflows,
  type IntegrationType,
} from "./integrationApi";
import { triggerSummary } from "./WorkflowEditor";

/** Settings the OAuth consent fills in: not typed by hand. */
const SET_BY_CONSENT = ["refreshToken", "accessToken"];
const NONE: string[] = [];

export function IntegrationEditor() {
  const { id } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const types = useIntegrationTypes();
  const integration = useIntegration(id);
  const [typeName, setTypeName] = useState(search.get("type") ?? "");
  const [name, setName] = useState("");
  const [active, setActive] = useState(true);
  const [config, setConfig] = useState<Record<string, unknown>>({});
  const [clear, setClear] = useState<string[]>([]);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const row = integration.data;
    if (!row) return;
    setTypeName(row.type);
    setName(row.name);
    setActive(row.isActive);
    setClear([]);
  }, [integration.data]);
  const itype: IntegrationType | undefined = types.data?.find((t) => t.name === typeName);
  useEffect(() => {
    if (integration.data && itype) setConfig(toForm(integration.data.config, itype.configSchema));
  }, [integration.data, itype]);

  const oauth = itype?.auth === "oauth2";
  const stored = integration.data?.secretsSet ?? NONE;
  const options = useMemo(() => ({ hidden: oauth ? SET_BY_CONSENT : [], set: stored }), [oauth, stored]);
  const schema = useMemo(() => formSchema(itype?.configSchema, options), [itype, options]);
  const uiSchema = useMemo(() => formUiSchema(itype?.configSchema, options), [itype, options]);

  const save = useMutation({
    mutationFn: async () => {
      const sent: Record<string, unknown> = fromForm(config, itype?.configSchema);
      for (const secret of clear) sent[secret] = null;
      return id
        ? unwrap(() => api.PATCH("/integrations/{id}", { params: { path: { id } }, body: { name: name.trim(), isActive: active, config: sent } }))
        : unwrap(() => api.POST("/integrations", { body: { name: name.trim(), type: typeName as never, isActive: active, config: sent } }));
    },
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      // Secrets typed are gone from the page once stored.
      setConfig(toForm(out.config, itype?.configSchema));
      client.setQueryData(integrationKeys.one(out.id), out);
      client.invalidateQueries({ queryKey: integrationKeys.list });
      if (!id) navigate(`/studio/integrations/${out.id}`, { replace: true });
    },
  });

  if (id && integration.isPending) return <Loader aria-label="Loading" />;
  if (integration.error) return <Alert color="red">{messageOf(integration.error)}</Alert>;
  const configProblems = problems.filter((p) => p.path.startsWith("/config/"));
  return (
    <Stack maw={980}>
      <Group justify="space-between">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? name || "Integration" : "New integration"}
          </Title>
          {itype && <Badge variant="light">{itype.label}</Badge>}
        </Group>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!name.trim() || !itype}>
          Save
        </Button>
      </Group>
      {search.get("connected") && (
        <Alert color="teal.9" variant="outline" role="status" title="Connected">
          The vendor granted access: the integration holds its refresh token now.
        </Alert>
      )}
      {saved && (
        <Text c="teal.9" role="status">
          Saved.
        </Text>
      )}
      {save.error && (
        <Alert color="red" role="alert" title="The server did not save the integration">
          {messageOf(save.error)}
        </Alert>
      )}
      <Group grow wrap="wrap" align="flex-start">
        <NativeSelect
          label="Type"
          disabled={!!id}
          data={[{ value: "", label: "Choose a type" }, ...(types.data ?? []).map((t) => ({ value: t.name, label: t.label }))]}
          value={typeName}
          onChange={(e) => {
            setTypeName(e.currentTarget.value);
            setConfig({});
          }}
          miw={200}
        />
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} miw={200} error={messageAt(problems, "name")} />
      </Group>
      {itype && (
        <Text size="sm" c="gray.7">
          {itype.description}
        </Text>
      )}
      <Switch label="Active" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
      {itype && (
        <Paper withBorder p="md" component="section" aria-label="Settings">
          <Title order={2} size="h5" mb="xs">
            Settings
          </Title>
          <Form
            key={itype.name}
            idPrefix="config"
            schema={schema}
            uiSchema={uiSchema}
            formData={config}
            validator={validator}
            showErrorList={false}
            onChange={(e) => setConfig(e.formData as Record<string, unknown>)}
          />
          {configProblems.map((p) => (
            <Text key={p.path} c="red.8" size="sm" role="alert">
              {p.path.replace("/config/", "")}: {p.message}
            </Text>
          ))}
          {stored.length > 0 && (
            <Stack gap={4} mt="sm" aria-label="Stored secrets">
              <Text size="sm" fw={500}>
                Stored secrets (never shown)
              </Text>
              {stored.map((secret) => (
                <Group key={secret} gap="xs">
                  <Badge color="teal.9" variant="filled">
                    {secret}: set
                  </Badge>
                  <Checkbox
                    size="xs"
                    label="Remove when saving"
                    checked={clear.includes(secret)}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      setClear((c) => (on ? [...c, secret] : c.filter((s) => s !== secret)));
                    }}
                  />
                </Group>
              ))}
            </Stack>
          )}
        </Paper>
      )}
      {id && itype && <Connection id={id} itype={itype} connected={stored.includes("refreshToken")} />}
      {id && <Workflows integrationId={id} />}
    </Stack>
  );
}

function Connection({ id, itype, connected }: { id: string; itype: IntegrationType; connected: boolean }) {
  const client = useQueryClient();
  const runs = useRuns("integration", id);
  const consent = useMutation({ mutationFn: () => startConsent(id) });
  const test = useMutation({
    mutationFn: () => testConnection(id),
    onSettled: () => client.invalidateQueries({ queryKey: ["studio", "integration-runs", "integration", id] }),
  });
  return (
    <Paper withBorder p="md" component="section" aria-label="Connection">
      <Title order={2} size="h5" mb="xs">
        Connection
      </Title>
      <Stack gap="sm">
        {itype.auth === "oauth2" && (
          <Group gap="sm" wrap="wrap">
            <Badge color={connected ? "teal.9" : "gray.7"} variant="filled">
              {connected ? "Connected" : "Not connected"}
            </Badge>
            <Button variant={connected ? "default" : "filled"} loading={consent.isPending} onClick={() => consent.mutate()}>
              {connected ? "Connect again" : `Connect with ${itype.label}`}
            </Button>
            <Text size="xs" c="gray.7">
              Save the OAuth client's ID and secret first; the vendor asks for consent and sends the browser back here.
            </Text>
          </Group>
        )}
        {consent.error && (
          <Alert color="red" role="alert">
            {messageOf(consent.error)}
          </Alert>
        )}
        <Group gap="sm">
          <Button variant="default" loading={test.isPending} onClick={() => test.mutate()}>
            Test connection
          </Button>
        </Group>
        {test.data && (
          <section aria-label="Connection test">
            <Alert color={test.data.ok ? "teal.9" : "red.9"} variant="outline" title={test.data.ok ? "The connection works" : "The connection does not work"}>
              {test.data.ok ? (
                <Text size="sm">{Object.entries(test.data.details ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(" · ") || "The vendor answered."}</Text>
              ) : (
                <Text size="sm">
                  {test.data.message} ({test.data.problem})
                </Text>
              )}
            </Alert>
          </section>
        )}
        {test.error && <Alert color="red">{messageOf(test.error)}</Alert>}
        {(runs.data ?? []).length > 0 && (
          <Table.ScrollContainer minWidth={520}>
            <Table aria-label="Latest calls" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Took</Table.Th>
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
                    <Table.Td>{r.durationMs ?? ""} ms</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}

function Workflows({ integrationId }: { integrationId: string }) {
  const workflows = useWorkflows(integrationId);
  return (
    <Paper withBorder p="md" component="section" aria-label="Workflows">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h5">
          Workflows
        </Title>
        <Button size="xs" variant="default" component={RouterLink} to={`/studio/integrations/${integrationId}/workflows/new`}>
          New workflow
        </Button>
      </Group>
      {workflows.isPending ? (
        <Loader size="sm" aria-label="Loading" />
      ) : (workflows.data ?? []).length === 0 ? (
        <Text size="sm" c="gray.7">
          No workflow uses this integration yet.
        </Text>
      ) : (
        <Stack gap={4}>
          {workflows.data!.map((w) => (
            <Group key={w.id} gap="xs" wrap="wrap">
              <Anchor component={RouterLink} to={`/studio/integrations/${integrationId}/workflows/${w.id}`} fw={500}>
                {w.name}
              </Anchor>
              <Text size="sm" c="gray.7">
                {triggerSummary(w.triggerConfig)} · {w.executionCount} run{w.executionCount === 1 ? "" : "s"}
                {w.lastExecutedAt ? ` · last ${when(w.lastExecutedAt)}` : ""}
              </Text>
              <Badge size="xs" color={w.isActive ? "teal.9" : "gray.7"}>
                {w.isActive ? "On" : "Off"}
              </Badge>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
