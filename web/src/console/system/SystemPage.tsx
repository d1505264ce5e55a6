// The system's state, read from the same endpoints monitoring polls: the outbox backlog and
// its oldest event, the relay's lag, the background processes heard from (a scheduler's last
// slots), the plugins loaded and those that failed, and the mail log.
import { Alert, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { relative, when } from "../../shared/format";
import { useOutbox, useProcesses } from "../api";
import { seconds } from "../status";

function Figure({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <Card withBorder padding="sm" aria-label={label} component="section">
      <Text size="xs" c="gray.7">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="gray.7">
          {hint}
        </Text>
      )}
    </Card>
  );
}

export function SystemPage() {
  const outbox = useOutbox();
  const processes = useProcesses();
  const plugins = useQuery({
    queryKey: ["console", "plugins"],
    queryFn: async () => (await unwrap(() => api.GET("/plugins", { params: { query: { limit: 200 } } }))).items,
  });
  const mail = useQuery({
    queryKey: ["console", "mail"],
    queryFn: () => unwrap(() => api.GET("/outgoing-emails", { params: { query: { limit: 20, sort: "-createdAt" } } })),
    refetchInterval: 10_000,
  });
  const o = outbox.data;
  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Outbox and relay
        </Title>
        {outbox.error && <Alert color="red">{messageOf(outbox.error)}</Alert>}
        {o && (
          <>
            <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }}>
              <Figure label="Outbox backlog" value={o.backlog} hint={`${o.waitingForRelay} waiting for the relay, ${o.inBroker} with the broker`} />
              <Figure label="Oldest event waiting" value={seconds(o.oldestAgeSeconds)} hint={o.oldestAt ? when(o.oldestAt) : "none waits"} />
              <Figure label="Relay lag" value={seconds(o.relayLagSeconds)} hint="oldest event not yet sent" />
              <Figure
                label="Sent in the last 5 minutes"
                value={o.recentSent}
                hint={o.recentLagSecondsAvg === null ? undefined : `${seconds(o.recentLagSecondsAvg)} on average, ${seconds(o.recentLagSecondsMax)} at most`}
              />
              <Figure label="Trigger runs open" value={o.openRuns} hint="admitted, not finished" />
            </SimpleGrid>
            <Text size="xs" c="gray.7">
              {o.companyId ? "This company's events" : "The whole platform"}, measured {when(o.measuredAt)}; GET /system/outbox.
            </Text>
          </>
        )}
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Background processes
        </Title>
        {(processes.data ?? []).length === 0 ? (
          <Text c="gray.7">No worker, relay or scheduler has been heard from in the last day (an embedded server runs them in-process).</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Processes" striped verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Process</Table.Th>
                  <Table.Th>Last heard</Table.Th>
                  <Table.Th>Details</Table.Th>
                  <Table.Th>Last slots</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(processes.data ?? []).map((p) => (
                  <Table.Tr key={p.name}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Badge color={p.alive ? "teal.9" : "gray.7"} variant="filled">
                          {p.alive ? "alive" : "silent"}
                        </Badge>
                        {p.kind}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {p.name}
                      </Text>
                      <Text size="xs" c="gray.7">
                        started {when(p.startedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{relative(p.seenAt)}</Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace">
                        {Object.entries(p.details)
                          .map(([k, v]) => `${k}: ${String(v)}`)
                          .join(", ")}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {p.lastSlots.map((s) => (
                        <Text key={`${s.triggerId}${s.fireAt}`} size="xs">
                          {s.triggerName} @ {when(s.fireAt)}
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
        <Title order={2} size="h4">
          Plugins
        </Title>
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label="Plugins" striped verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Plugin</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Provides</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(plugins.data ?? []).map((p) => (
                <Table.Tr key={p.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.name}
                    </Text>
                    <Text size="xs" c="gray.7">
                      {p.builtin ? "built in" : `version ${p.version ?? "?"}`}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {p.error ? (
                      <>
                        <Badge color="red.9" variant="filled">
                          failed
                        </Badge>
                        <Text size="xs" c="red.9">
                          {p.error}
                        </Text>
                      </>
                    ) : (
                      <Badge color="teal.9" variant="filled">
                        loaded
                      </Badge>
                    )}
                    {p.problems.map((problem) => (
                      <Text key={problem} size="xs" c="orange.9">
                        {problem}
                      </Text>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">
                      {Object.entries(p.provides)
                        .filter(([, names]) => names.length)
                        .map(([kind, names]) => `${kind}: ${names.join(", ")}`)
                        .join(" · ")}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Mail log
        </Title>
        {(mail.data?.items ?? []).length === 0 ? (
          <Text c="gray.7">No e-mail sent yet.</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Mail log" striped verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>To</Table.Th>
                  <Table.Th>Subject</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(mail.data?.items ?? []).map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>{when(m.createdAt)}</Table.Td>
                    <Table.Td>{m.to.join(", ")}</Table.Td>
                    <Table.Td>{m.subject}</Table.Td>
                    <Table.Td>
                      <Badge color={m.status === "SENT" ? "teal.9" : m.status === "FAILED" ? "red.9" : "gray.7"} variant="filled">
                        {m.status}
                      </Badge>
                      {m.error && (
                        <Text size="xs" c="red.9">
                          {m.error}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Stack>
  );
}
