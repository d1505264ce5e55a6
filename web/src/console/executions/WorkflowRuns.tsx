// Integration workflows and their latest runs: what each run imported, its cursor (the
// source's position it reached) and its error.
import { useState } from "react";
import { Badge, Code, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { when } from "../../shared/format";

export function WorkflowRuns() {
  const workflows = useQuery({
    queryKey: ["console", "workflows"],
    queryFn: async () =>
      (await unwrap(() => api.GET("/integration-workflows", { params: { query: { limit: 200 } } }))).items,
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const id = chosen ?? workflows.data?.[0]?.id ?? null;
  const runs = useQuery({
    queryKey: ["console", "workflow-runs", id],
    queryFn: async () =>
      (
        await unwrap(() =>
          api.GET("/integration-workflows/{workflow_id}/runs", { params: { path: { workflow_id: id! }, query: { limit: 50 } } }),
        )
      ).items,
    enabled: !!id,
  });
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Integration workflow runs
      </Title>
      {(workflows.data ?? []).length === 0 ? (
        <Text c="gray.7">No integration workflow yet.</Text>
      ) : (
        <>
          <Select
            label="Workflow"
            data={(workflows.data ?? []).map((w) => ({ value: w.id, label: `${w.name} (${w.executionCount} runs)` }))}
            value={id}
            onChange={setChosen}
            w={320}
            allowDeselect={false}
          />
          {(runs.data ?? []).length === 0 ? (
            <Text c="gray.7">It has not run yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table aria-label="Workflow runs" striped verticalSpacing={4}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Started</Table.Th>
                    <Table.Th>Operation</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Imported</Table.Th>
                    <Table.Th>Cursor and output</Table.Th>
                    <Table.Th>Error</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(runs.data ?? []).map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>{when(r.startedAt)}</Table.Td>
                      <Table.Td>{r.operation}</Table.Td>
                      <Table.Td>
                        <Badge color={r.status === "success" ? "teal.9" : r.status === "failed" ? "red.9" : "gray.7"}>{r.status}</Badge>
                      </Table.Td>
                      <Table.Td>{r.items}</Table.Td>
                      <Table.Td>
                        <Code block fz="xs" mah={120} style={{ overflow: "auto" }}>
                          {JSON.stringify(r.output, null, 1)}
                        </Code>
                      </Table.Td>
                      <Table.Td>{r.error}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
    </Stack>
  );
}
