// What a schema change would do to the table's existing records, as the server's check found
// it (nothing written yet): records that would no longer fit (the change is then refused), the
// columns dropped with the values they hold, type changes, new required columns, indexes. The
// change is applied only once confirmed here.
import { Alert, Badge, Button, Code, Group, List, Modal, Stack, Text } from "@mantine/core";
import type { SchemaImpact } from "./tableApi";

interface Props {
  impact: SchemaImpact | null;
  applying: boolean;
  onApply: () => void;
  onClose: () => void;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Worth a confirmation: anything that touches existing records. */
export function needsConfirmation(impact: SchemaImpact): boolean {
  if (impact.records === 0) return false;
  return !impact.fits || impact.dropped.length > 0 || impact.retyped.length > 0 || impact.added.some((a) => a.required) || impact.indexesAdded.length + impact.indexesDropped.length > 0;
}

export function SchemaChangeDialog({ impact, applying, onApply, onClose }: Props) {
  return (
    <Modal opened={!!impact} onClose={onClose} title="Before the change is saved" size="lg">
      {impact && (
        <Stack>
          <Text>
            The server checked the new columns against the table's {plural(impact.records, "existing record")}. Nothing has been changed yet.
          </Text>
          {!impact.fits && (
            <Alert color="red" title={`${plural(impact.misfits, "record")} would no longer fit`} role="alert">
              <Text size="sm" mb={4}>
                The change cannot be saved until these records are fixed or the columns allow them:
              </Text>
              <List size="sm" aria-label="Records that would not fit">
                {impact.problems.map((p) => {
                  const [, record, field] = /^records\[([^\]]+)\]\.(.+)$/.exec(p.path) ?? [];
                  return (
                    <List.Item key={p.path + p.message}>
                      {record ? (
                        <>
                          Record <Code>{record}</Code>, {field}:
                        </>
                      ) : (
                        <Code>{p.path}</Code>
                      )}{" "}
                      {p.message}
                    </List.Item>
                  );
                })}
              </List>
            </Alert>
          )}
          {impact.dropped.length > 0 && (
            <Stack gap={4}>
              <Text fw={500}>Columns removed</Text>
              <List size="sm" aria-label="Columns removed">
                {impact.dropped.map((d) => (
                  <List.Item key={d.id}>
                    {d.label} ({d.id}): {d.values ? `its values are removed from ${plural(d.values, "record")}` : "no record holds a value"}
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          {impact.retyped.length > 0 && (
            <Stack gap={4}>
              <Text fw={500}>Type changes</Text>
              <List size="sm" aria-label="Type changes">
                {impact.retyped.map((r) => (
                  <List.Item key={r.id}>
                    {r.label}: {r.before} → {r.type} ({plural(r.values, "record")} with a value)
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          {impact.added.length > 0 && (
            <Stack gap={4}>
              <Text fw={500}>Columns added</Text>
              <List size="sm" aria-label="Columns added">
                {impact.added.map((a) => (
                  <List.Item key={a.id}>
                    {a.label} ({a.type}){a.required && <Badge ml={6} size="xs" color="red.9">required</Badge>}
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          {impact.indexesAdded.length + impact.indexesDropped.length > 0 && (
            <Text size="sm">
              {impact.indexesAdded.length > 0 && `Indexes made on ${impact.indexesAdded.join(", ")}. `}
              {impact.indexesDropped.length > 0 && `Indexes dropped on ${impact.indexesDropped.join(", ")}.`}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Keep editing
            </Button>
            <Button color={impact.dropped.some((d) => d.values) ? "red.8" : undefined} disabled={!impact.fits} loading={applying} onClick={onApply}>
              Apply the change
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
