// One execution: the event it ran for, the condition's explanation, each action's status,
// attempts, timing, output and error; and retrying it (only what failed runs again).
import { useState } from "react";
import { Link as RouterLink, useParams } from "react-router";
import { Alert, Anchor, Badge, Button, Code, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { useExecution, useTriggers } from "../api";
import { EXECUTION_COLOR } from "../status";
import { ExplanationTree, type Explanation } from "./ExplanationTree";

interface ActionResult {
  type?: string;
  status?: string;
  attempts?: number;
  durationMs?: number;
  output?: unknown;
  error?: string | null;
  fromExecution?: string;
  warnings?: string[];
}

function json(value: unknown): string {
  return value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
}

export function ExecutionPage() {
  const { id = "" } = useParams();
  const execution = useExecution(id, false);
  const triggers = useTriggers();
  const [retriedAt, setRetriedAt] = useState<string | null>(null);
  const retry = useMutation({
    mutationFn: () =>
      unwrap(() => api.POST("/trigger-executions/{execution_id}/retry", { params: { path: { execution_id: id } } })),
    onSuccess: () => setRetriedAt(new Date(Date.now() - 1000).toISOString()),
  });
  const e = execution.data;
  // After a retry: the trigger's executions since, until the new one is there.
  const after = useQuery({
    queryKey: ["console", "retried", id, retriedAt],
    queryFn: () =>
      unwrap(() =>
        api.GET("/trigger-executions", { params: { query: { triggerId: e!.triggerId, since: retriedAt!, limit: 5 } } }),
      ),
    enabled: !!retriedAt && !!e,
    refetchInterval: (q) => (q.state.data?.items.some((x) => x.id !== id) ? false : 1000),
  });
  if (execution.isPending) return <Loader aria-label="Loading" />;
  if (execution.error) return <Alert color="red">{messageOf(execution.error)}</Alert>;
  const ex = e!;
  const trigger = triggers.data?.find((t) => t.id === ex.triggerId);
  const actions = ex.actionsExecuted as ActionResult[];
  const retried = after.data?.items.find((x) => x.id !== id);
  const retryable = ex.status === "FAILED" || ex.status === "PARTIAL_SUCCESS";

  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Anchor component={RouterLink} to="/console/executions" size="sm">
          ← All executions
        </Anchor>
        <Group gap="sm">
          <Title order={2} size="h3">
            {trigger?.name ?? "Trigger"}: execution
          </Title>
          <Badge color={EXECUTION_COLOR[ex.status]} variant="filled" size="lg">
            {ex.status}
          </Badge>
        </Group>
        <Text size="sm" c="gray.7">
          {when(ex.executedAt)} · {ex.executionTime} ms{trigger ? ` · ${trigger.eventType}` : ""}
        </Text>
        {ex.errorMessage && (
          <Alert color="red" title="Error">
            {ex.errorMessage}
          </Alert>
        )}
      </Stack>
      {retryable && (
        <Group>
          <Button onClick={() => retry.mutate()} loading={retry.isPending} disabled={retry.isSuccess}>
            Retry{ex.status === "PARTIAL_SUCCESS" ? " what failed" : ""}
          </Button>
          {retry.isSuccess && !retried && <Text size="sm">Retry queued (run {retry.data.runId.slice(0, 8)}); waiting for it…</Text>}
          {retried && (
            <Text size="sm" role="status">
              Retried:{" "}
              <Anchor component={RouterLink} to={`/console/executions/${retried.id}`}>
                <Badge color={EXECUTION_COLOR[retried.status]} variant="filled">
                  {retried.status}
                </Badge>
              </Anchor>
            </Text>
          )}
        </Group>
      )}
      {retry.error && (
        <Alert color="red" role="alert">
          {messageOf(retry.error)}
        </Alert>
      )}
      <Stack gap="xs">
        <Title order={3} size="h4">
          Conditions {ex.conditionsMet ? "held" : "did not hold"}
        </Title>
        <ExplanationTree explanation={ex.conditionResult as Explanation} />
      </Stack>
      <Stack gap="xs">
        <Title order={3} size="h4">
          Actions
        </Title>
        {actions.length === 0 ? (
          <Text c="gray.7">No action ran.</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Actions" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Output or error</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {actions.map((a, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{i + 1}</Table.Td>
                    <Table.Td>{a.type}</Table.Td>
                    <Table.Td>
                      <Badge color={EXECUTION_COLOR[a.status ?? ""] ?? "gray.7"} variant="filled">
                        {a.status}
                      </Badge>
                      {a.fromExecution && (
                        <Text size="xs" c="gray.7">
                          kept from the retried execution
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{a.attempts ?? "—"}</Table.Td>
                    <Table.Td>{a.durationMs !== undefined ? `${a.durationMs} ms` : "—"}</Table.Td>
                    <Table.Td>
                      {a.error && (
                        <Text size="sm" c="red.9">
                          {a.error}
                        </Text>
                      )}
                      {a.output !== undefined && a.output !== null && (
                        <Code block fz="xs" mah={160} style={{ overflow: "auto" }}>
                          {json(a.output)}
                        </Code>
                      )}
                      {(a.warnings ?? []).map((w) => (
                        <Text key={w} size="xs" c="orange.9">
                          {w}
                        </Text>
                      ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <Stack gap="xs">
        <Title order={3} size="h4">
          Event data
        </Title>
        <Code block aria-label="Event data" fz="xs" mah={360} style={{ overflow: "auto" }}>
          {json(ex.eventData)}
        </Code>
      </Stack>
    </Stack>
  );
}
