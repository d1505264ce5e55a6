// Running instances of a flow across its versions, and moving a company's instances onto this
// version: old levels mapped to new ones, a dry run listing what would move and what cannot,
// then the migration.
import { useMemo, useState } from "react";
import { Alert, Anchor, Badge, Button, Group, List, Select, Stack, Table, Text, Title } from "@mantine/core";
import { Link as RouterLink } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { keys, useCompanies, useRunning, type Plan, type Version } from "../api";

interface Level {
  order: number;
  name: string;
}

export function InstancesPanel({ version }: { version: Version }) {
  const client = useQueryClient();
  const running = useRunning(version.entityId);
  const companies = useCompanies();
  const names = new Map((companies.data ?? []).map((c) => [c.id, c.name]));
  const levels = ((version.snapshot as { definition?: { levels?: Level[] } }).definition?.levels ?? []) as Level[];
  const rows = running.data ?? [];
  const companyIds = [...new Set(rows.map((r) => r.instance.companyId))];
  const [company, setCompany] = useState<string | null>(null);
  const chosen = company ?? companyIds[0] ?? null;
  const theirs = rows.filter((r) => r.instance.companyId === chosen && r.versionId !== version.id);
  const fromLevels = useMemo(() => {
    const seen = new Map<string, number>();
    for (const r of theirs) seen.set(r.instance.levelName, r.instance.levelOrder);
    return [...seen.entries()].map(([name, order]) => ({ name, order }));
  }, [theirs]);
  const [map, setMap] = useState<Record<string, number | null>>({});
  const targetOf = (name: string) =>
    name in map ? map[name] : (levels.find((l) => l.name.toLowerCase() === name.toLowerCase())?.order ?? null);
  const levelMap = Object.fromEntries(
    fromLevels.flatMap((l) => {
      const target = targetOf(l.name);
      return target === null ? [] : [[l.name, target]];
    }),
  );
  const body = { companyId: chosen, levelMap, instanceIds: theirs.map((r) => r.instance.instanceId) };
  const [plan, setPlan] = useState<Plan | null>(null);
  const dryRun = useMutation({
    mutationFn: () =>
      unwrap(() => api.POST("/versions/{id}/migrations/dry-run", { params: { path: { id: version.id } }, body })),
    onSuccess: setPlan,
  });
  const migrate = useMutation({
    mutationFn: () => unwrap(() => api.POST("/versions/{id}/migrations", { params: { path: { id: version.id } }, body })),
    onSuccess: () => {
      setPlan(null);
      client.invalidateQueries({ queryKey: ["console", "running"] });
      client.invalidateQueries({ queryKey: keys.all });
    },
  });
  if (running.error) return <Alert color="red">{messageOf(running.error)}</Alert>;
  const levelOptions = levels.map((l) => ({ value: String(l.order), label: `${l.order}. ${l.name}` }));

  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Running instances
      </Title>
      {rows.length === 0 ? (
        <Text c="gray.7">No instance of this flow is running.</Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Running instances" verticalSpacing={4} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Company</Table.Th>
                <Table.Th>Instance</Table.Th>
                <Table.Th>Waits at</Table.Th>
                <Table.Th>Version</Table.Th>
                <Table.Th>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.instance.instanceId}>
                  <Table.Td>{names.get(r.instance.companyId) ?? r.instance.companyId}</Table.Td>
                  <Table.Td>
                    <Anchor component={RouterLink} to={`/instances/${r.instance.instanceId}`} size="sm" ff="monospace">
                      {r.instance.instanceId.slice(0, 8)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {r.instance.levelOrder}. {r.instance.levelName}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={r.versionId === version.id ? "blue.8" : "gray.7"}>{r.version ?? "flow rows"}</Badge>
                  </Table.Td>
                  <Table.Td>{when(r.startedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {companyIds.length > 0 && (
        <Stack gap="xs" component="section" aria-label={`Migrate onto ${version.version}`}>
          <Title order={4} size="h5">
            Move instances onto {version.version}
          </Title>
          <Select
            label="Company"
            data={companyIds.map((id) => ({ value: id, label: names.get(id) ?? id }))}
            value={chosen}
            onChange={(v) => {
              setCompany(v);
              setPlan(null);
              setMap({});
            }}
            allowDeselect={false}
            w={280}
          />
          {theirs.length === 0 ? (
            <Text size="sm" c="gray.7">
              All of this company's instances run {version.version} already.
            </Text>
          ) : (
            <>
              <Text size="sm">Where each level its instances wait at goes in {version.version}:</Text>
              {fromLevels.map((l) => (
                <Group key={l.name} gap="sm" align="center">
                  <Text size="sm" w={220}>
                    {l.order}. {l.name}
                  </Text>
                  <Text aria-hidden>→</Text>
                  <Select
                    aria-label={`New level for ${l.name}`}
                    placeholder="No level: cannot move"
                    data={levelOptions}
                    value={targetOf(l.name) === null ? null : String(targetOf(l.name))}
                    onChange={(v) => {
                      setPlan(null);
                      setMap({ ...map, [l.name]: v === null ? null : Number(v) });
                    }}
                    w={240}
                  />
                </Group>
              ))}
              <Group>
                <Button variant="default" onClick={() => dryRun.mutate()} loading={dryRun.isPending}>
                  Dry run
                </Button>
                <Button
                  onClick={() => migrate.mutate()}
                  loading={migrate.isPending}
                  disabled={!plan || plan.moves.length === 0 || plan.stuck.length > 0}
                >
                  Migrate {plan ? plan.moves.length : ""} instance{plan?.moves.length === 1 ? "" : "s"}
                </Button>
              </Group>
            </>
          )}
          {(dryRun.error || migrate.error) && (
            <Alert color="red" role="alert">
              {messageOf(dryRun.error ?? migrate.error)}
            </Alert>
          )}
          {plan && (
            <Stack gap={4} aria-label="Dry run" component="section">
              <Text fw={500}>
                Dry run: {plan.moves.length} would move, {plan.stuck.length} cannot.
              </Text>
              <List size="sm">
                {plan.moves.map((m) => (
                  <List.Item key={m.instance.instanceId}>
                    {m.instance.instanceId.slice(0, 8)}: {m.instance.levelOrder}. {m.instance.levelName} → {m.toLevel}.{" "}
                    {m.toLevelName}
                  </List.Item>
                ))}
                {plan.stuck.map((s) => (
                  <List.Item key={s.instance.instanceId} c="red.9">
                    {s.instance.instanceId.slice(0, 8)} cannot move: {s.reason}
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          {migrate.data && (
            <Alert color="teal" role="status">
              Moved {migrate.data.length} instance{migrate.data.length === 1 ? "" : "s"} onto {version.version}.
            </Alert>
          )}
        </Stack>
      )}
    </Stack>
  );
}
