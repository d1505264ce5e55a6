// The audit trail: search by entity, user, action and time; each change shown as before and
// after, side by side.
import { Fragment, useState } from "react";
import { useSearchParams } from "react-router";
import { Alert, Button, Code, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { displayName } from "../../auth/useSession";
import { valueText, when } from "../../shared/format";
import type { AuditEntry } from "../api";

const ENTITIES = [
  "Version",
  "Flow",
  "FlowInstance",
  "Task",
  "Trigger",
  "CustomTable",
  "CustomTableRecord",
  "Dataset",
  "User",
  "Role",
  "Department",
  "Company",
  "EmailTemplate",
  "Integration",
  "IntegrationWorkflow",
];

function dayStart(day: string, plus = 0): string | undefined {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + plus);
  return d.toISOString();
}

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const [offset, setOffset] = useState(0);
  const users = useQuery({
    queryKey: ["console", "users"],
    queryFn: async () => (await unwrap(() => api.GET("/users", { params: { query: { limit: 200 } } }))).items,
    staleTime: 60_000,
  });
  const query = {
    entity: params.get("entity") || undefined,
    entityId: params.get("entityId") || undefined,
    userId: params.get("user") || undefined,
    action: params.get("action") || undefined,
    since: dayStart(params.get("from") ?? ""),
    until: dayStart(params.get("to") ?? "", 1),
  };
  const entries = useQuery({
    queryKey: ["console", "audit", query, offset],
    queryFn: () => unwrap(() => api.GET("/audit-logs", { params: { query: { ...query, limit: 50, offset } } })),
  });
  return (
    <Stack>
      <Title order={2} size="h4">
        Audit trail
      </Title>
      <Group align="flex-end" gap="sm">
        <Select
          label="Entity"
          data={[{ value: "", label: "Any entity" }, ...ENTITIES.map((e) => ({ value: e, label: e }))]}
          value={params.get("entity") ?? ""}
          onChange={(v) => set("entity", v)}
          searchable
          w={200}
          allowDeselect={false}
        />
        <TextInput label="Entity id" value={params.get("entityId") ?? ""} onChange={(e) => set("entityId", e.currentTarget.value.trim())} w={200} />
        <Select
          label="User"
          data={[{ value: "", label: "Anyone" }, ...(users.data ?? []).map((u) => ({ value: u.id, label: displayName(u) }))]}
          value={params.get("user") ?? ""}
          onChange={(v) => set("user", v)}
          searchable
          w={200}
          allowDeselect={false}
        />
        <TextInput label="Action" placeholder="version.rolled_back" value={params.get("action") ?? ""} onChange={(e) => set("action", e.currentTarget.value.trim())} w={200} />
        <TextInput type="date" label="From" value={params.get("from") ?? ""} onChange={(e) => set("from", e.currentTarget.value)} w={160} />
        <TextInput type="date" label="To" value={params.get("to") ?? ""} onChange={(e) => set("to", e.currentTarget.value)} w={160} />
      </Group>
      {entries.error && <Alert color="red">{messageOf(entries.error)}</Alert>}
      {entries.isPending ? (
        <Loader aria-label="Loading" />
      ) : (
        <>
          <Text size="sm" c="gray.7">
            {entries.data?.total ?? 0} entries
          </Text>
          <Table.ScrollContainer minWidth={720}>
            <Table aria-label="Audit entries" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Entity</Table.Th>
                  <Table.Th>Before → after</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(entries.data?.items ?? []).map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{when(e.timestamp)}</Table.Td>
                    <Table.Td>{e.user.email ? displayName({ ...e.user, email: e.user.email }) : "someone else"}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {e.action}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{e.entity}</Text>
                      <Text size="xs" c="gray.7" ff="monospace">
                        {e.entityId}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Changes entry={e} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group>
            <Button variant="default" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
              Newer
            </Button>
            <Button variant="default" disabled={offset + 50 >= (entries.data?.total ?? 0)} onClick={() => setOffset(offset + 50)}>
              Older
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

function shown(value: unknown): string {
  if (value === undefined) return "—";
  const text = typeof value === "object" && value !== null ? JSON.stringify(value) : valueText(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text === "" ? "“”" : text;
}

/** The keys that differ between before and after (all of them for a creation or deletion). */
function Changes({ entry }: { entry: AuditEntry }) {
  const before = (entry.changes?.before ?? {}) as Record<string, unknown>;
  const after = (entry.changes?.after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  const meta = Object.keys(entry.metadata ?? {}).length ? entry.metadata : null;
  if (keys.length === 0 && !meta) return <Text size="xs" c="gray.7">—</Text>;
  return (
    <Stack gap={2}>
      {keys.length > 0 && (
        <Table fz="xs" withRowBorders={false} verticalSpacing={0} aria-label={`Changes of ${entry.action}`}>
          <Table.Tbody>
            {keys.slice(0, 12).map((k) => (
              <Fragment key={k}>
                <Table.Tr>
                  <Table.Th scope="row" fw={600} pr={6}>
                    {k}
                  </Table.Th>
                  <Table.Td>
                    <Code color="red.0">{shown(before[k])}</Code> → <Code color="teal.0">{shown(after[k])}</Code>
                  </Table.Td>
                </Table.Tr>
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {meta && (
        <Text size="xs" c="gray.7" ff="monospace">
          {shown(meta)}
        </Text>
      )}
    </Stack>
  );
}
