// Rollout: the companies a version reaches and why (pinned, rollout bucket, stable), and a
// proposed percentage and pins previewed by the server's own bucket function before they are
// applied, so what the table says is what applying does.
import { useEffect, useMemo, useState } from "react";
import { Alert, Badge, Button, Group, MultiSelect, NumberInput, Slider, Stack, Table, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { keys, useAudience, useCompanies, type Audience, type Version } from "../api";

type Sight = Audience["companies"][number]["now"];

function Sees({ sight, version }: { sight: Sight; version: Version }) {
  if (!sight) return <Text size="sm" c="gray.7">none (its own rows)</Text>;
  return (
    <Group gap={6} wrap="nowrap">
      <Badge variant={sight.versionId === version.id ? "filled" : "light"} color={sight.versionId === version.id ? "blue.8" : "gray.7"}>
        {sight.version}
      </Badge>
      <Text size="xs">{sight.reason}</Text>
    </Group>
  );
}

export function RolloutPanel({ version }: { version: Version }) {
  const client = useQueryClient();
  const companies = useCompanies();
  const [percentage, setPercentage] = useState(version.rolloutPercentage);
  const [pins, setPins] = useState<string[]>(version.deployedToClients as string[]);
  useEffect(() => {
    setPercentage(version.rolloutPercentage);
    setPins(version.deployedToClients as string[]);
  }, [version.rolloutPercentage, version.deployedToClients]);
  const [proposal] = useDebouncedValue(useMemo(() => ({ percentage, clients: pins }), [percentage, pins]), 250);
  const audience = useAudience(version.id, proposal);
  const changed = percentage !== version.rolloutPercentage || pins.join() !== (version.deployedToClients as string[]).join();
  const live = version.status === "PUBLISHED" || version.status === "STABLE";
  const apply = useMutation({
    mutationFn: () =>
      unwrap(() =>
        api.PUT("/versions/{id}/rollout", {
          params: { path: { id: version.id } },
          body: { rolloutPercentage: percentage, deployedToClients: pins },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.all }),
  });
  const rows = audience.data?.companies ?? [];
  const entering = rows.filter((c) => c.proposed?.versionId === version.id && c.now?.versionId !== version.id);
  const leaving = rows.filter((c) => c.now?.versionId === version.id && c.proposed?.versionId !== version.id);
  // The table answers the values on screen (the query follows them a moment later).
  const upToDate =
    !!audience.data && audience.data.rolloutPercentage === percentage && audience.data.deployedToClients.join() === pins.join();

  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Rollout
      </Title>
      <Text size="sm">
        A company sees this version when it is pinned, or when its bucket (0–9,999, from a stable hash of the entity
        and the company) is below the percentage × 100. Raising the percentage only adds companies.
      </Text>
      <Group align="flex-end" gap="lg">
        <NumberInput
          label="Rollout percentage"
          min={0}
          max={100}
          value={percentage}
          onChange={(v) => setPercentage(typeof v === "number" ? v : Number(v) || 0)}
          w={170}
          disabled={!live}
          suffix="%"
        />
        <Slider
          thumbLabel="Rollout percentage (slider)"
          value={percentage}
          onChange={setPercentage}
          min={0}
          max={100}
          step={5}
          w={260}
          mb={10}
          disabled={!live}
          label={(v) => `${v}%`}
        />
        <MultiSelect
          label="Pinned companies"
          data={(companies.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={pins}
          onChange={setPins}
          searchable
          w={320}
          disabled={!live}
        />
      </Group>
      {audience.error && <Alert color="red">{messageOf(audience.error)}</Alert>}
      {audience.data && (
        <Text role="status" aria-live="polite" fw={500}>
          Now {audience.data.reachedNow} of {rows.length} companies see {version.version}.
          {changed &&
            upToDate &&
            ` With ${percentage}% and ${pins.length} pinned: ${audience.data.reachedProposed} (${entering.length} enter, ${leaving.length} leave).`}
        </Text>
      )}
      <Group>
        <Button disabled={!changed || !live || !upToDate} loading={apply.isPending} onClick={() => apply.mutate()}>
          Apply rollout
        </Button>
        {changed && (
          <Button
            variant="default"
            onClick={() => {
              setPercentage(version.rolloutPercentage);
              setPins(version.deployedToClients as string[]);
            }}
          >
            Reset
          </Button>
        )}
      </Group>
      {apply.error && (
        <Alert color="red" role="alert">
          {messageOf(apply.error)}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={560}>
        <Table aria-label="Companies and the version they see" verticalSpacing={4} striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Company</Table.Th>
              <Table.Th>Bucket</Table.Th>
              <Table.Th>Sees now</Table.Th>
              <Table.Th>With the proposed rollout</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => {
              const enters = entering.includes(c);
              const leaves = leaving.includes(c);
              return (
                <Table.Tr key={c.companyId} data-enters={enters || undefined}>
                  <Table.Td>{c.companyName}</Table.Td>
                  <Table.Td>{c.bucket}</Table.Td>
                  <Table.Td>
                    <Sees sight={c.now} version={version} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Sees sight={c.proposed} version={version} />
                      {enters && (
                        <Badge color="teal.9" variant="outline">
                          enters
                        </Badge>
                      )}
                      {leaves && (
                        <Badge color="red.9" variant="outline">
                          leaves
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
