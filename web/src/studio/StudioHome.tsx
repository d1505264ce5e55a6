// The studio's overview: forms, flows, triggers, tables and e-mail templates of the company,
// each with its state (draft or released), and a way to make a new one.
import { Link as RouterLink, useNavigate, useParams } from "react-router";
import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { messageOf } from "../api/problem";
import { when } from "../shared/format";
import { useFlows, useTables, useTasks, useTemplates, useTriggers, type Releasable } from "./api";
import { useIntegrations } from "./integrations/integrationApi";
import { ReleaseState } from "./publish/PublishPanel";

const SECTIONS = [
  { value: "forms", label: "Forms", noun: "form" },
  { value: "flows", label: "Flows", noun: "flow" },
  { value: "triggers", label: "Triggers", noun: "trigger" },
  { value: "tables", label: "Tables", noun: "table" },
  { value: "templates", label: "E-mail templates", noun: "template" },
  { value: "integrations", label: "Integrations", noun: "integration" },
];

const RELEASABLE: Record<string, Releasable> = { forms: "Task", flows: "Flow", tables: "CustomTable" };

const STATE_COLOR: Record<string, string> = {
  DRAFT: "grape.9",
  PUBLISHED: "teal.9",
  ACTIVE: "teal.9",
  ARCHIVED: "gray.7",
  DEPRECATED: "gray.7",
  On: "teal.9",
  Off: "gray.7",
};

interface Row {
  id: string;
  name: string;
  detail?: ReactNode;
  state?: string;
  updatedAt?: string;
}

function List({ section, rows, loading, error }: { section: string; rows: Row[]; loading: boolean; error: unknown }) {
  if (loading) return <Loader aria-label="Loading" />;
  if (error) return <Alert color="red">{messageOf(error)}</Alert>;
  if (rows.length === 0) return <Text c="gray.7">Nothing here yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table striped highlightOnHover aria-label={SECTIONS.find((s) => s.value === section)?.label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>State</Table.Th>
            {RELEASABLE[section] && <Table.Th>Release</Table.Th>}
            <Table.Th visibleFrom="sm">Changed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id}>
              <Table.Td>
                <Anchor component={RouterLink} to={`/studio/${section}/${row.id}`} fw={500}>
                  {row.name}
                </Anchor>
                {row.detail && (
                  <Text size="xs" c="gray.7">
                    {row.detail}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{row.state && <Badge color={STATE_COLOR[row.state] ?? "blue.8"} variant="filled">{row.state}</Badge>}</Table.Td>
              {RELEASABLE[section] && (
                <Table.Td>
                  <ReleaseState entityType={RELEASABLE[section]} entityId={row.id} />
                </Table.Td>
              )}
              <Table.Td visibleFrom="sm">{row.updatedAt ? when(row.updatedAt) : ""}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function StudioHome() {
  const { section = "forms" } = useParams();
  const navigate = useNavigate();
  const tasks = useTasks();
  const flows = useFlows();
  const triggers = useTriggers();
  const tables = useTables();
  const templates = useTemplates();
  const integrations = useIntegrations();
  const current = SECTIONS.find((s) => s.value === section) ?? SECTIONS[0];

  const lists: Record<string, { rows: Row[]; q: { isPending: boolean; error: unknown } }> = {
    forms: {
      q: tasks,
      rows: (tasks.data ?? []).map((t) => ({ id: t.id, name: t.name, detail: `${t.fields.length} fields`, state: t.status, updatedAt: t.updatedAt })),
    },
    flows: {
      q: flows,
      rows: (flows.data ?? []).map((f) => ({ id: f.id, name: f.name, detail: f.description, state: f.status, updatedAt: f.updatedAt })),
    },
    triggers: {
      q: triggers,
      rows: (triggers.data ?? []).map((t) => ({
        id: t.id,
        name: t.name,
        detail: `${t.eventType} · ${t.actions.length} action${t.actions.length === 1 ? "" : "s"}`,
        state: t.isActive ? "On" : "Off",
        updatedAt: t.updatedAt,
      })),
    },
    tables: {
      q: tables,
      rows: (tables.data ?? []).map((t) => ({ id: t.id, name: t.displayName, detail: t.description || t.name, updatedAt: t.updatedAt })),
    },
    templates: {
      q: templates,
      rows: (templates.data ?? []).map((t) => ({ id: t.id, name: t.name, detail: t.subject, state: t.isActive ? "On" : "Off", updatedAt: t.updatedAt })),
    },
    integrations: {
      q: integrations,
      rows: (integrations.data ?? []).map((i) => ({
        id: i.id,
        name: i.name,
        detail: `${i.type}${i.secretsSet.includes("refreshToken") ? " · connected" : ""}`,
        state: i.isActive ? "On" : "Off",
        updatedAt: i.updatedAt,
      })),
    },
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h3">
          Studio
        </Title>
        <Button leftSection={<IconPlus size={16} aria-hidden />} component={RouterLink} to={`/studio/${current.value}/new`}>
          New {current.noun}
        </Button>
      </Group>
      <Tabs value={current.value} onChange={(v) => v && navigate(`/studio/${v}`)}>
        <Tabs.List>
          {SECTIONS.map((s) => (
            <Tabs.Tab key={s.value} value={s.value}>
              {s.label}
              {lists[s.value].q.isPending ? "" : ` (${lists[s.value].rows.length})`}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <List section={current.value} rows={lists[current.value].rows} loading={lists[current.value].q.isPending} error={lists[current.value].q.error} />
    </Stack>
  );
}
