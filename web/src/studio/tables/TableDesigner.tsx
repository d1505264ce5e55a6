// The table designer: a custom table's columns with the same field palette as forms (each
// column may be indexed), its relations and permissions. The server refuses a schema change
// that existing records would not fit, and says which.
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { Alert, Button, Checkbox, Code, Group, JsonInput, Loader, Stack, Tabs, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import type { FieldDef } from "../../forms/types";
import { keys, useFieldTypes } from "../api";
import { FieldsEditor } from "../forms/FieldsEditor";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { ReleaseBadge } from "../publish/PublishPanel";

type Column = FieldDef & { indexed?: boolean };

interface Draft {
  name: string;
  displayName: string;
  description: string;
  schema: Column[];
  relations: string;
  permissions: string;
}

const EMPTY: Draft = { name: "", displayName: "", description: "", schema: [], relations: "[]", permissions: "{}" };

export function slugName(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(s) ? s.slice(0, 63) : `t_${s}`.slice(0, 63);
}

export function TableDesigner() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const types = useFieldTypes();
  const table = useQuery({
    queryKey: ["studio", "tables", id],
    queryFn: () => unwrap(() => api.GET("/tables/{table}", { params: { path: { table: id! } } })),
    enabled: !!id,
  });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!table.data) return;
    const t = table.data;
    setDraft({
      name: t.name,
      displayName: t.displayName,
      description: t.description ?? "",
      schema: t.schema as unknown as Column[],
      relations: JSON.stringify(t.relations ?? [], null, 2),
      permissions: JSON.stringify(t.permissions ?? {}, null, 2),
    });
  }, [table.data]);

  const save = useMutation({
    mutationFn: async () => {
      const common = {
        displayName: draft.displayName.trim(),
        description: draft.description.trim(),
        schema: draft.schema as unknown as Record<string, unknown>[],
        relations: JSON.parse(draft.relations || "[]"),
        permissions: JSON.parse(draft.permissions || "{}"),
      };
      return id
        ? unwrap(() => api.PATCH("/tables/{table}", { params: { path: { table: id } }, body: common }))
        : unwrap(() => api.POST("/tables", { body: { ...common, name: draft.name || slugName(draft.displayName) } }));
    },
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: keys.tables });
      if (!id) navigate(`/studio/tables/${out.id}`, { replace: true });
    },
  });

  if (id && table.isPending) return <Loader aria-label="Loading" />;
  if (table.error) return <Alert color="red">{messageOf(table.error)}</Alert>;

  const general = problems.filter((p) => !/^(\/)?schema\b/.test(p.path));
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? draft.displayName || "Table" : "New table"}
          </Title>
          <ReleaseBadge entityType="CustomTable" entityId={id} />
        </Group>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.displayName.trim()}>
          Save
        </Button>
      </Group>
      {saved && (
        <Text c="green.8" role="status">
          Saved.
        </Text>
      )}
      {(problems.length > 0 || save.error) && (
        <Alert color="red" title="The server did not save the table" role="alert">
          {problems.length ? `${problems.length} problem(s), shown on the columns they concern.` : messageOf(save.error)}
          {general.map((p) => (
            <Text key={p.path + p.message} size="sm">
              <Code>{p.path}</Code> {p.message}
            </Text>
          ))}
        </Alert>
      )}
      <Group grow align="flex-start" wrap="wrap">
        <TextInput
          label="Display name"
          required
          value={draft.displayName}
          onChange={(e) => {
            const displayName = e.currentTarget.value;
            setDraft((d) => ({ ...d, displayName, name: id ? d.name : slugName(displayName) }));
          }}
          miw={200}
        />
        <TextInput label="Name (in the API)" value={draft.name} disabled={!!id} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={200} error={messageAt(problems, "name")} />
        <Textarea label="Description" autosize minRows={1} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} miw={200} />
      </Group>
      <Tabs defaultValue="columns" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="columns">Columns</Tabs.Tab>
          <Tabs.Tab value="relations">Relations and permissions</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="columns" pt="md">
          {types.data ? (
            <FieldsEditor
              fields={draft.schema}
              onChange={(schema) => setDraft((d) => ({ ...d, schema: schema as Column[] }))}
              types={types.data}
              selected={selected}
              onSelect={setSelected}
              problemAt={(i) => messageAt(problems, "schema", String(i))}
              extra={(field) => (
                <Checkbox
                  mt="md"
                  label="Indexed (fast filters and sorting on this column)"
                  checked={!!(field as Column).indexed}
                  onChange={(e) => {
                    const indexed = e.currentTarget.checked;
                    setDraft((d) => ({
                      ...d,
                      schema: d.schema.map((c) => (c.id === field.id ? (indexed ? { ...c, indexed } : (({ indexed: _drop, ...rest }) => rest)(c)) : c)),
                    }));
                  }}
                />
              )}
            />
          ) : (
            <Loader aria-label="Loading" />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="relations" pt="md">
          <Stack maw={700}>
            <JsonInput label="Relations" autosize minRows={3} value={draft.relations} onChange={(relations) => setDraft({ ...draft, relations })} validationError="Not valid JSON" formatOnBlur />
            <JsonInput label="Permissions (by role, and per field)" autosize minRows={3} value={draft.permissions} onChange={(permissions) => setDraft({ ...draft, permissions })} validationError="Not valid JSON" formatOnBlur />
            <Text size="xs" c="gray.7">
              The API publishes no schema for relations and permissions yet, so they are edited as JSON here.
            </Text>
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
