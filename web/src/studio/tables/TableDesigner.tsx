// The table designer: a custom table's columns with the same field palette as forms (each may
// be indexed), its links and relations to other tables, and who may do what with its records.
// Saving a schema change first asks the server what it would do to the existing records
// (POST /tables/{id}/schema-check) and shows it; the change is applied once confirmed.
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { Alert, Button, Checkbox, Code, Group, JsonInput, Loader, Stack, Tabs, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { keys, useFieldTypes, useRoles, useTables } from "../api";
import { FieldsEditor } from "../forms/FieldsEditor";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { PublishButton, ReleaseBadge } from "../publish/PublishPanel";
import { PermissionsEditor } from "./PermissionsEditor";
import { RelationsEditor } from "./RelationsEditor";
import { SchemaChangeDialog, needsConfirmation } from "./SchemaChangeDialog";
import { checkSchema, useDefinitionSchemas, useTable, type Column, type Permissions, type Relation, type SchemaImpact } from "./tableApi";

interface Draft {
  name: string;
  displayName: string;
  description: string;
  schema: Column[];
  relations: Relation[];
  permissions: Permissions;
}

const EMPTY: Draft = { name: "", displayName: "", description: "", schema: [], relations: [], permissions: {} };

const ROLE_LABELS: Record<string, string> = { MANAGER: "Managers", EMPLOYEE: "Employees" };

export function slugName(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(s) ? s.slice(0, 63) : `t_${s}`.slice(0, 63);
}

function definitionOf(draft: Draft) {
  return { schema: draft.schema, relations: draft.relations, permissions: draft.permissions };
}

export function TableDesigner() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const types = useFieldTypes();
  const table = useTable(id);
  const tables = useTables();
  const roles = useRoles();
  const schemas = useDefinitionSchemas();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [saved, setSaved] = useState(false);
  const [impact, setImpact] = useState<SchemaImpact | null>(null);
  const [json, setJson] = useState("");

  useEffect(() => {
    if (!table.data) return;
    const t = table.data;
    setDraft({
      name: t.name,
      displayName: t.displayName,
      description: t.description ?? "",
      schema: t.schema as unknown as Column[],
      relations: (t.relations ?? []) as unknown as Relation[],
      permissions: (t.permissions ?? {}) as Permissions,
    });
  }, [table.data]);

  const stored = table.data ? JSON.stringify([table.data.schema, table.data.relations, table.data.permissions, table.data.displayName, table.data.description ?? ""]) : "";
  const dirty = !id || stored !== JSON.stringify([draft.schema, draft.relations, draft.permissions, draft.displayName, draft.description]);

  const save = useMutation({
    mutationFn: async () => {
      const description = draft.description.trim();
      const common = {
        displayName: draft.displayName.trim(),
        // Unchanged (or never given) stays as it is: "" is not the null a table starts with.
        ...(description !== (table.data?.description ?? "") ? { description } : {}),
        schema: draft.schema as unknown as Record<string, unknown>[],
        relations: draft.relations as unknown as Record<string, unknown>[],
        permissions: draft.permissions as Record<string, unknown>,
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
      setImpact(null);
      client.invalidateQueries({ queryKey: keys.tables });
      client.invalidateQueries({ queryKey: ["studio", "tables", id] });
      client.invalidateQueries({ queryKey: ["studio", "preview"] });
      if (!id) navigate(`/studio/tables/${out.id}`, { replace: true });
    },
  });

  // A changed schema of a saved table is checked against its records first.
  const check = useMutation({
    mutationFn: () => checkSchema(id!, draft.schema, draft.relations, draft.permissions),
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (found) => (needsConfirmation(found) ? setImpact(found) : save.mutate()),
  });
  const schemaChanged = !!table.data && JSON.stringify(table.data.schema) !== JSON.stringify(draft.schema);
  const onSave = () => (id && schemaChanged ? check.mutate() : save.mutate());

  const roleRows = useMemo(() => {
    const platform = (schemas.data?.platformRoles ?? ["MANAGER", "EMPLOYEE"]).map((name) => ({ name, label: ROLE_LABELS[name] ?? name }));
    return [...platform, ...(roles.data ?? []).map((r) => ({ name: r.name, label: r.name }))];
  }, [schemas.data, roles.data]);

  if (id && table.isPending) return <Loader aria-label="Loading" />;
  if (table.error) return <Alert color="red">{messageOf(table.error)}</Alert>;

  const placed = /^(\/)?(schema|relations|permissions|name)\b/;
  const general = problems.filter((p) => !placed.test(p.path));
  const error = save.error ?? check.error;
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? draft.displayName || "Table" : "New table"}
          </Title>
          <ReleaseBadge entityType="CustomTable" entityId={id} />
        </Group>
        <Group gap="xs">
          <Button onClick={onSave} loading={save.isPending || check.isPending} disabled={!draft.displayName.trim()}>
            Save
          </Button>
          <PublishButton entityType="CustomTable" entityId={id} disabled={dirty} />
        </Group>
      </Group>
      {saved && (
        <Text c="teal.9" role="status">
          Saved.
        </Text>
      )}
      {(problems.length > 0 || error) && (
        <Alert color="red" title="The server did not save the table" role="alert">
          {problems.length ? `${problems.length} problem(s), shown where they are.` : messageOf(error)}
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
      <Tabs
        defaultValue="columns"
        keepMounted={false}
        onChange={(tab) => tab === "json" && setJson(JSON.stringify(definitionOf(draft), null, 2))}
      >
        <Tabs.List>
          <Tabs.Tab value="columns">Columns</Tabs.Tab>
          <Tabs.Tab value="relations" color={messageAt(problems, "relations") ? "red" : undefined}>
            Relations
          </Tabs.Tab>
          <Tabs.Tab value="permissions" color={messageAt(problems, "permissions") ? "red" : undefined}>
            Permissions
          </Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="columns" pt="md">
          {types.data ? (
            <FieldsEditor
              fields={draft.schema}
              onChange={(schema) => setDraft((d) => ({ ...d, schema: schema as Column[] }))}
              types={types.data}
              selected={selected}
              onSelect={setSelected}
              problemAt={(i) => messageAt(problems, "schema", String(i)) ?? messageAt(problems, "schema", draft.schema[i]?.id ?? "")}
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
          <RelationsEditor
            tableName={draft.name || slugName(draft.displayName)}
            columns={draft.schema}
            relations={draft.relations}
            tables={tables.data ?? []}
            schema={schemas.data?.relations}
            problems={problems}
            onColumns={(schema) => setDraft((d) => ({ ...d, schema }))}
            onRelations={(relations) => setDraft((d) => ({ ...d, relations }))}
          />
        </Tabs.Panel>
        <Tabs.Panel value="permissions" pt="md">
          <PermissionsEditor
            permissions={draft.permissions}
            columns={draft.schema}
            roles={roleRows}
            schema={schemas.data?.permissions}
            problems={problems}
            onChange={(permissions) => setDraft((d) => ({ ...d, permissions }))}
          />
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="md">
          <JsonInput
            label="Columns, relations and permissions (JSON)"
            autosize
            minRows={10}
            maw={900}
            value={json}
            validationError="Not valid JSON"
            onChange={(text) => {
              setJson(text);
              try {
                const parsed = JSON.parse(text) as Partial<Draft>;
                setDraft((d) => ({
                  ...d,
                  schema: Array.isArray(parsed.schema) ? parsed.schema : d.schema,
                  relations: Array.isArray(parsed.relations) ? parsed.relations : d.relations,
                  permissions: parsed.permissions && typeof parsed.permissions === "object" ? parsed.permissions : d.permissions,
                }));
              } catch {
                // kept as typed until it parses
              }
            }}
          />
        </Tabs.Panel>
      </Tabs>
      <SchemaChangeDialog impact={impact} applying={save.isPending} onApply={() => save.mutate()} onClose={() => setImpact(null)} />
    </Stack>
  );
}
