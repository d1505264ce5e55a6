// Relations of a table, both ways: its record fields point at rows of other tables (many to
// one), and its relations name the record fields of other tables pointing here (one to many,
// many to many), for `expand`. Kinds, names and help come from the server's JSON Schema.
import { ActionIcon, Alert, Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { newFieldId } from "../forms/FieldsEditor";
import { messageAt, type PathProblem } from "../problems";
import { choicesOf, type Column, type Relation, type Table as TableRow } from "./tableApi";

interface Props {
  tableName: string;
  columns: Column[];
  relations: Relation[];
  tables: TableRow[];
  schema: Record<string, unknown> | undefined;
  problems: PathProblem[];
  onColumns: (columns: Column[]) => void;
  onRelations: (relations: Relation[]) => void;
}

interface RecordSettings {
  table?: string;
  multiple?: boolean;
}

function settingsOf(column: Column): RecordSettings {
  return (column.settings ?? {}) as RecordSettings;
}

/** Record fields of `other` that point at the table named `name`. */
export function pointers(other: TableRow, name: string): Column[] {
  return (other.schema as unknown as Column[]).filter((c) => c.type === "record" && settingsOf(c).table === name);
}

export function RelationsEditor({ tableName, columns, relations, tables, schema, problems, onColumns, onRelations }: Props) {
  const item = ((schema?.items ?? {}) as { properties?: Record<string, { title?: string; description?: string }> }).properties ?? {};
  const kinds = choicesOf(item.type);
  const others = tables.filter((t) => t.name !== tableName);
  const links = columns.map((c, i) => ({ c, i })).filter(({ c }) => c.type === "record");
  const setColumn = (index: number, column: Column) => onColumns(columns.map((c, i) => (i === index ? column : c)));
  const pointingAt = (t: TableRow) => (t.name === tableName ? columns.filter((c) => c.type === "record" && settingsOf(c).table === tableName) : pointers(t, tableName));
  const pointingHere = tables.flatMap((t) => pointingAt(t).map((field) => ({ table: t.name, label: t.displayName, field })));
  const missing = pointingHere.filter((p) => !relations.some((r) => r.table === p.table && r.field === p.field.id));
  const addRelation = (table: string, field: Column) =>
    onRelations([
      ...relations,
      { name: relationName(table, relations, columns), type: settingsOf(field).multiple ? "many-to-many" : "one-to-many", table, field: field.id },
    ]);

  return (
    <Stack maw={900}>
      <Paper withBorder p="md" component="section" aria-labelledby="links-title">
        <Title order={2} size="h5" id="links-title">
          Links to other tables
        </Title>
        <Text size="sm" c="gray.7" mb="sm">
          A link is a column holding the id of a row of another table (or a list of ids).
        </Text>
        {links.length === 0 && <Text size="sm">No links yet.</Text>}
        {links.map(({ c, i }) => (
          <Group key={i} align="flex-end" wrap="wrap" mb="xs">
            <Text fw={500} miw={140}>
              {c.label || c.id}
            </Text>
            <NativeSelect
              label={`Table ${c.label || c.id} points at`}
              data={[{ value: "", label: "Choose a table" }, ...tables.map((t) => ({ value: t.name, label: t.name === tableName ? `${t.displayName} (this table)` : t.displayName }))]}
              value={settingsOf(c).table ?? ""}
              onChange={(e) => setColumn(i, { ...c, settings: { ...settingsOf(c), table: e.currentTarget.value } })}
              error={messageAt(problems, "schema", c.id) ?? messageAt(problems, "schema", String(i))}
            />
            <Checkbox
              label="Several rows (a list)"
              checked={!!settingsOf(c).multiple}
              onChange={(e) => {
                const multiple = e.currentTarget.checked;
                const { multiple: _drop, ...rest } = settingsOf(c);
                setColumn(i, { ...c, settings: multiple ? { ...rest, multiple } : rest });
              }}
            />
          </Group>
        ))}
        <Group mt="sm">
          <NativeSelect
            aria-label="Add a link to the table"
            data={[{ value: "", label: "Add a link to…" }, ...others.map((t) => ({ value: t.name, label: t.displayName }))]}
            value=""
            onChange={(e) => {
              const target = tables.find((t) => t.name === e.currentTarget.value);
              if (!target) return;
              onColumns([...columns, { id: newFieldId(columns, target.name), type: "record", label: target.displayName, settings: { table: target.name } }]);
            }}
          />
        </Group>
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="relations-title">
        <Title order={2} size="h5" id="relations-title">
          {(schema?.title as string) ?? "Relations"}
        </Title>
        <Text size="sm" c="gray.7" mb="sm">
          {(schema?.description as string) ?? ""}
        </Text>
        {relations.length > 0 && (
          <Table.ScrollContainer minWidth={600}>
            <Table aria-label="Relations">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{item.name?.title ?? "Name"}</Table.Th>
                  <Table.Th>{item.table?.title ?? "Table"}</Table.Th>
                  <Table.Th>{item.field?.title ?? "Field"}</Table.Th>
                  <Table.Th>{item.type?.title ?? "Kind"}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {relations.map((r, i) => {
                  const source = tables.find((t) => t.name === r.table);
                  const fields = source ? pointingAt(source) : [];
                  const set = (change: Partial<Relation>) => onRelations(relations.map((x, j) => (j === i ? { ...x, ...change } : x)));
                  return (
                    <Table.Tr key={i}>
                      <Table.Td>
                        <TextInput aria-label={`Name of relation ${i + 1}`} value={r.name} onChange={(e) => set({ name: e.currentTarget.value })} error={messageAt(problems, "relations", String(i), "name")} />
                      </Table.Td>
                      <Table.Td>
                        <NativeSelect
                          aria-label={`Table of relation ${i + 1}`}
                          data={[{ value: "", label: "Choose" }, ...tables.map((t) => ({ value: t.name, label: t.displayName }))]}
                          value={r.table}
                          onChange={(e) => set({ table: e.currentTarget.value, field: "" })}
                          error={messageAt(problems, "relations", String(i), "table")}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NativeSelect
                          aria-label={`Field of relation ${i + 1}`}
                          data={[{ value: "", label: "Choose" }, ...fields.map((f) => ({ value: f.id, label: f.label || f.id }))]}
                          value={r.field}
                          onChange={(e) => {
                            const field = fields.find((f) => f.id === e.currentTarget.value);
                            set({ field: e.currentTarget.value, type: field && settingsOf(field).multiple ? "many-to-many" : "one-to-many" });
                          }}
                          error={messageAt(problems, "relations", String(i), "field")}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NativeSelect aria-label={`Kind of relation ${i + 1}`} data={kinds} value={r.type} onChange={(e) => set({ type: e.currentTarget.value })} error={messageAt(problems, "relations", String(i), "type")} />
                      </Table.Td>
                      <Table.Td>
                        <ActionIcon variant="subtle" color="red.8" aria-label={`Remove relation ${i + 1}`} onClick={() => onRelations(relations.filter((_, j) => j !== i))}>
                          <IconTrash size={16} aria-hidden />
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {missing.length > 0 && (
          <Alert color="blue" mt="sm" title="Tables pointing here">
            <Stack gap={4}>
              {missing.map((m) => (
                <Group key={`${m.table}.${m.field.id}`} gap="xs">
                  <Text size="sm">
                    {m.label}.{m.field.label || m.field.id}
                  </Text>
                  <Button size="compact-xs" variant="light" onClick={() => addRelation(m.table, m.field)}>
                    Add as a relation
                  </Button>
                </Group>
              ))}
            </Stack>
          </Alert>
        )}
        <Group mt="sm">
          <Button variant="default" size="xs" onClick={() => onRelations([...relations, { name: "", type: kinds[0]?.value ?? "one-to-many", table: "", field: "" }])}>
            Add a relation
          </Button>
        </Group>
      </Paper>
    </Stack>
  );
}

function relationName(table: string, relations: Relation[], columns: Column[]): string {
  let name = table;
  let n = 2;
  while (relations.some((r) => r.name === name) || columns.some((c) => c.id === name)) name = `${table}_${n++}`;
  return name;
}
