// Releases: every version of an entity with its status and rollout, the changelog between any
// two of them, and restoring one into a draft of its entity.
import { useState } from "react";
import { Link as RouterLink, useSearchParams } from "react-router";
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { keys, useCompare, useEntities, useVersions, type EntityType, type Version } from "../api";
import { VERSION_COLOR } from "../status";
import { VersionDiff, type Entry } from "./VersionDiff";

const TYPES: { value: EntityType; label: string }[] = [
  { value: "Flow", label: "Flows" },
  { value: "Task", label: "Forms" },
  { value: "CustomTable", label: "Tables" },
  { value: "Dataset", label: "Datasets" },
];

export function ReleasesPage() {
  const [params, setParams] = useSearchParams();
  const type = (params.get("type") as EntityType) || "Flow";
  const entities = useEntities(type);
  const entityId = params.get("entity") ?? entities.data?.[0]?.id ?? null;
  const versions = useVersions(type, entityId);
  const choose = (next: Record<string, string>) => setParams({ type, ...(entityId ? { entity: entityId } : {}), ...next });

  return (
    <Stack>
      <Title order={2} size="h4">
        Releases
      </Title>
      <Group align="flex-end">
        <Select
          label="Kind"
          data={TYPES}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setParams({ type: v })}
          w={160}
        />
        <Select
          label="Entity"
          searchable
          data={(entities.data ?? []).map((e) => ({ value: e.id, label: e.name }))}
          value={entityId}
          onChange={(v) => v && choose({ entity: v })}
          nothingFoundMessage="None"
          w={320}
        />
      </Group>
      {versions.isPending && entityId && <Loader aria-label="Loading" />}
      {versions.error && <Alert color="red">{messageOf(versions.error)}</Alert>}
      {versions.data && versions.data.length === 0 && <Text c="gray.7">Not released yet: publish it from the studio.</Text>}
      {versions.data && versions.data.length > 0 && (
        <>
          <VersionTable versions={versions.data} />
          <Compare versions={versions.data} />
        </>
      )}
    </Stack>
  );
}

function VersionTable({ versions }: { versions: Version[] }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label="Versions" striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Rollout</Table.Th>
            <Table.Th>Changes</Table.Th>
            <Table.Th>Published</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.map((v) => (
            <Table.Tr key={v.id}>
              <Table.Td>
                <Anchor component={RouterLink} to={`/console/versions/${v.id}`} fw={600} aria-label={`Version ${v.version}`}>
                  {v.version}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Badge color={VERSION_COLOR[v.status]} variant="filled">
                  {v.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                {v.rolloutPercentage}%{v.deployedToClients.length ? ` + ${v.deployedToClients.length} pinned` : ""}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{v.changes}</Text>
              </Table.Td>
              <Table.Td>{when(v.publishedAt ?? v.createdAt)}</Table.Td>
              <Table.Td>
                <Restore version={v} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Restore({ version }: { version: Version }) {
  const [opened, setOpened] = useState(false);
  const client = useQueryClient();
  const restore = useMutation({
    mutationFn: () => unwrap(() => api.POST("/versions/{id}/restore", { params: { path: { id: version.id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.all }),
  });
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)}>
        Restore {version.version}…
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`Restore ${version.version} into a draft`}>
        <Stack>
          <Text size="sm">
            The entity gets this version's definition back, exactly as it was, as a draft: edit it and publish it
            again as a new version. Versions already released do not change.
          </Text>
          {restore.isSuccess && (
            <Alert color="teal" role="status">
              Restored as a draft.
            </Alert>
          )}
          {restore.error && (
            <Alert color="red" role="alert">
              {messageOf(restore.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Close
            </Button>
            <Button loading={restore.isPending} disabled={restore.isSuccess} onClick={() => restore.mutate()}>
              Restore into a draft
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function Compare({ versions }: { versions: Version[] }) {
  const options = versions.map((v) => ({ value: v.id, label: `${v.version} (${v.status.toLowerCase()})` }));
  const [from, setFrom] = useState<string | null>(versions[1]?.id ?? null);
  const [to, setTo] = useState<string | null>(versions[0]?.id ?? null);
  const diff = useCompare(from, to);
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        Changes between two versions
      </Title>
      <Group align="flex-end">
        <Select label="From" data={options} value={from} onChange={setFrom} w={220} allowDeselect={false} />
        <Select label="To" data={options} value={to} onChange={setTo} w={220} allowDeselect={false} />
      </Group>
      {from && to && from === to && <Text c="gray.7">Choose two different versions.</Text>}
      {diff.error && <Alert color="red">{messageOf(diff.error)}</Alert>}
      {diff.data && (
        <>
          <Text fw={500}>
            {diff.data.fromVersion.version} → {diff.data.toVersion.version}: {diff.data.changes}
          </Text>
          <VersionDiff entries={diff.data.changeLog as Entry[]} label="Changelog" />
        </>
      )}
    </Stack>
  );
}
