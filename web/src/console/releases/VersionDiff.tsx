// A changelog between two versions as the server computed it (GET /versions/compare): fields,
// levels, branches, conditions and triggers added, removed or changed, with before and after.
import { Badge, Code, Group, Stack, Table, Text } from "@mantine/core";
import { valueText } from "../../shared/format";

export interface Entry {
  kind: string;
  change: "added" | "removed" | "changed";
  key?: unknown;
  name?: string | null;
  path?: string;
  impact?: "major" | "minor" | "patch";
  changes?: Record<string, { before: unknown; after: unknown }>;
}

const CHANGE_COLOR = { added: "teal.9", removed: "red.9", changed: "blue.8" } as const;
const IMPACT_COLOR = { major: "red.9", minor: "blue.9", patch: "gray.7" } as const;

function shown(value: unknown): string {
  const text = typeof value === "object" && value !== null ? JSON.stringify(value) : valueText(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text || "—";
}

export function VersionDiff({ entries, label }: { entries: Entry[]; label: string }) {
  if (entries.length === 0) return <Text c="gray.7">The two versions define the same thing.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table aria-label={label} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Change</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>Before → after</Table.Th>
            <Table.Th>Bump</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e, i) => (
            <Table.Tr key={i}>
              <Table.Td>
                <Badge color={CHANGE_COLOR[e.change]} variant="filled">
                  {e.change}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {e.kind} {e.name ?? (typeof e.key === "string" ? e.key : "")}
                </Text>
                {e.path && (
                  <Text size="xs" c="gray.7">
                    {e.path}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {e.changes ? (
                  <Stack gap={2}>
                    {Object.entries(e.changes).map(([attr, { before, after }]) => (
                      <Group key={attr} gap={6} wrap="nowrap" align="baseline">
                        <Text size="xs" fw={600}>
                          {attr}
                        </Text>
                        <Code color="red.0">{shown(before)}</Code>
                        <Text size="xs" aria-hidden>
                          →
                        </Text>
                        <Code color="teal.0">{shown(after)}</Code>
                      </Group>
                    ))}
                  </Stack>
                ) : (
                  <Text size="xs" c="gray.7">
                    {e.change === "added" ? "new" : e.change === "removed" ? "gone" : ""}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {e.impact && (
                  <Badge size="sm" color={IMPACT_COLOR[e.impact]}>
                    {e.impact}
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
