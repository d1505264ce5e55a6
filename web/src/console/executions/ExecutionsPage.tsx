// The executions monitor: trigger executions with filters, live while on; the seed's 7-day
// statistics as a chart; integration workflow runs with what they imported.
import { useState } from "react";
import { Link as RouterLink, useSearchParams } from "react-router";
import { Alert, Anchor, Badge, Group, Loader, Select, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { useExecutions, useStats, useTriggers, type Execution, type ExecutionFilters } from "../api";
import { BarChart } from "../charts/BarChart";
import { EXECUTION_COLOR } from "../status";
import { WorkflowRuns } from "./WorkflowRuns";

const STATUSES = ["SUCCESS", "PARTIAL_SUCCESS", "FAILED"] as const;
const EVENT_TYPES = [
  "TASK_COMPLETED",
  "TASK_STARTED",
  "TASK_UPDATED",
  "FIELD_CHANGED",
  "FLOW_STARTED",
  "FLOW_COMPLETED",
  "DATABASE_ROW_CREATED",
  "DATABASE_ROW_UPDATED",
  "SCHEDULED",
  "WEBHOOK_RECEIVED",
] as const;

/** A date input's day as the start of that day, local time, in RFC 3339. */
function dayStart(day: string, plus = 0): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plus);
  return d.toISOString();
}

export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const [live, setLive] = useState(true);
  const filters: ExecutionFilters = {
    triggerId: params.get("trigger") ?? undefined,
    status: (params.get("status") as ExecutionFilters["status"]) ?? undefined,
    eventType: (params.get("event") as ExecutionFilters["eventType"]) ?? undefined,
    since: dayStart(params.get("from") ?? ""),
    until: dayStart(params.get("to") ?? "", 1),
  };
  const executions = useExecutions(filters, live);
  const triggers = useTriggers();
  const stats = useStats(live);
  const names = new Map((triggers.data ?? []).map((t) => [t.id, t.name]));

  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Trigger executions
        </Title>
        <Group align="flex-end" gap="sm">
          <Select
            label="Trigger"
            data={[{ value: "", label: "All triggers" }, ...(triggers.data ?? []).map((t) => ({ value: t.id, label: t.name }))]}
            value={params.get("trigger") ?? ""}
            onChange={(v) => set("trigger", v)}
            searchable
            w={240}
            allowDeselect={false}
          />
          <Select
            label="Status"
            data={[{ value: "", label: "Any status" }, ...STATUSES.map((s) => ({ value: s, label: s }))]}
            value={params.get("status") ?? ""}
            onChange={(v) => set("status", v)}
            w={180}
            allowDeselect={false}
          />
          <Select
            label="Event type"
            data={[{ value: "", label: "Any event" }, ...EVENT_TYPES.map((s) => ({ value: s, label: s }))]}
            value={params.get("event") ?? ""}
            onChange={(v) => set("event", v)}
            w={220}
            allowDeselect={false}
          />
          <TextInput type="date" label="From" value={params.get("from") ?? ""} onChange={(e) => set("from", e.currentTarget.value)} w={160} />
          <TextInput type="date" label="To" value={params.get("to") ?? ""} onChange={(e) => set("to", e.currentTarget.value)} w={160} />
          <Switch label="Live" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} mb={8} />
        </Group>
        {executions.error && <Alert color="red">{messageOf(executions.error)}</Alert>}
        {executions.isPending ? (
          <Loader aria-label="Loading" />
        ) : (
          <ExecutionTable items={executions.data?.items ?? []} total={executions.data?.total ?? 0} names={names} />
        )}
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h4">
          The last 7 days
        </Title>
        {stats.data && (
          <>
            <Text size="sm">
              {stats.data.total} executions, {stats.data.averageExecutionTimeMs ?? "—"} ms on average.
            </Text>
            <BarChart
              title="Executions of the last 7 days by status"
              categories={STATUSES.map((s) => s.replace("_", " ").toLowerCase())}
              series={[{ label: "Executions", values: STATUSES.map((s) => stats.data.byStatus[s] ?? 0), color: "#1c7ed6" }]}
              height={180}
            />
          </>
        )}
      </Stack>
      <WorkflowRuns />
    </Stack>
  );
}

function ExecutionTable({ items, total, names }: { items: Execution[]; total: number; names: Map<string, string> }) {
  if (items.length === 0) return <Text c="gray.7">No execution matches.</Text>;
  return (
    <>
      <Text size="sm" c="gray.7">
        {total} execution{total === 1 ? "" : "s"}
        {total > items.length ? `, the newest ${items.length} shown` : ""}.
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Executions" striped highlightOnHover verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Conditions</Table.Th>
              <Table.Th>Actions</Table.Th>
              <Table.Th>Time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>
                  <Anchor component={RouterLink} to={`/console/executions/${e.id}`} size="sm">
                    {when(e.executedAt)}
                  </Anchor>
                </Table.Td>
                <Table.Td>{names.get(e.triggerId) ?? e.triggerId.slice(0, 8)}</Table.Td>
                <Table.Td>
                  <Badge color={EXECUTION_COLOR[e.status]} variant="filled">
                    {e.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{e.conditionsMet ? "held" : "did not hold"}</Table.Td>
                <Table.Td>
                  {(e.actionsExecuted as { status?: string }[]).map((a) => a.status ?? "?").join(", ") || "none"}
                </Table.Td>
                <Table.Td>{e.executionTime} ms</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
