// The form builder: a task's fields (palette, drag and drop, settings from each type's JSON
// Schema), each field's conditional logic and the form's cross-field rules with the visual
// condition builder, the whole definition as JSON, and a live preview that is the workspace's
// own form renderer. The server's save-time problems are shown on what they name.
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  JsonInput,
  Loader,
  Stack,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { FormRenderer } from "../../forms/FormRenderer";
import { checkForm } from "../../forms/logic";
import type { FieldDef, FormValidation, TaskLogic, Values } from "../../forms/types";
import { keys, useFieldTypes, useTask } from "../api";
import { RuleBuilder } from "../conditions/RuleBuilder";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { PublishButton, ReleaseBadge } from "../publish/PublishPanel";
import { FieldsEditor } from "./FieldsEditor";

interface Draft {
  name: string;
  description: string;
  fields: FieldDef[];
  logic: TaskLogic;
  validations: FormValidation[];
}

const EMPTY: Draft = { name: "", description: "", fields: [], logic: {}, validations: [] };

/** Logic that follows a field renamed at the same place, and drops logic of removed fields. */
function carryLogic(before: FieldDef[], after: FieldDef[], logic: TaskLogic): TaskLogic {
  const entries = { ...(logic.fields ?? {}) };
  if (before.length === after.length) {
    before.forEach((f, i) => {
      const next = after[i];
      if (next && f.id !== next.id && entries[f.id] && f.type === next.type) {
        entries[next.id] = entries[f.id];
        delete entries[f.id];
      }
    });
  }
  const ids = new Set(after.map((f) => f.id));
  for (const id of Object.keys(entries)) if (!ids.has(id)) delete entries[id];
  return Object.keys(entries).length ? { ...logic, fields: entries } : {};
}

function cleanLogic(logic: TaskLogic): TaskLogic {
  const fields: NonNullable<TaskLogic["fields"]> = {};
  for (const [id, rules] of Object.entries(logic.fields ?? {})) {
    const kept = Object.fromEntries(Object.entries(rules).filter(([, r]) => r !== null && r !== undefined));
    if (Object.keys(kept).length) fields[id] = kept;
  }
  return Object.keys(fields).length ? { fields } : {};
}

export function FormBuilder() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const task = useTask(id);
  const types = useFieldTypes();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [selected, setSelected] = useState<string | null>(null);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [sample, setSample] = useState<Values>({});
  const [saved, setSaved] = useState(false);
  const [jsonText, setJsonText] = useState<string | null>(null);

  useEffect(() => {
    if (!task.data) return;
    setDraft({
      name: task.data.name,
      description: task.data.description ?? "",
      fields: task.data.fields as unknown as FieldDef[],
      logic: (task.data.logic ?? {}) as TaskLogic,
      validations: (task.data.validations ?? []) as FormValidation[],
    });
  }, [task.data]);

  const body = useMemo(
    () => ({
      name: draft.name.trim(),
      description: draft.description.trim() || null,
      fields: draft.fields as unknown as Record<string, unknown>[],
      logic: cleanLogic(draft.logic) as Record<string, unknown>,
      validations: draft.validations.filter((v) => v.rule !== null && v.rule !== undefined),
    }),
    [draft],
  );

  const save = useMutation({
    mutationFn: async () =>
      id
        ? unwrap(() => api.PATCH("/tasks/{id}", { params: { path: { id } }, body }))
        : unwrap(() => api.POST("/tasks", { body })),
    onMutate: () => {
      setProblems([]);
      setSaved(false);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: keys.tasks });
      client.invalidateQueries({ queryKey: ["studio", "preview"] });
      if (!id) navigate(`/studio/forms/${out.id}`, { replace: true });
      else client.setQueryData(keys.task(id), out);
    },
  });

  if (id && task.isPending) return <Loader aria-label="Loading" />;
  if (task.error) return <Alert color="red">{messageOf(task.error)}</Alert>;

  const setFields = (fields: FieldDef[]) =>
    setDraft((d) => ({ ...d, fields, logic: carryLogic(d.fields, fields, d.logic) }));
  const setFieldLogic = (fieldId: string, key: "visible" | "required", rule: unknown) =>
    setDraft((d) => ({
      ...d,
      logic: { ...d.logic, fields: { ...(d.logic.fields ?? {}), [fieldId]: { ...(d.logic.fields?.[fieldId] ?? {}), [key]: rule } } },
    }));
  const others = (fieldId: string) => draft.fields.filter((f) => f.id !== fieldId);
  const form = { fields: draft.fields, logic: cleanLogic(draft.logic), validations: body.validations };
  const previewErrors = checkForm(form, sample);
  const general = problems.filter((p) => !/^(\/)?(fields|logic|validations)\b/.test(p.path));

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={1} size="h3">
            {id ? draft.name || "Form" : "New form"}
          </Title>
          {task.data && <Badge variant="outline">{task.data.status}</Badge>}
          <ReleaseBadge entityType="Task" entityId={id} />
        </Group>
        <Group gap="xs">
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.name.trim()}>
            Save draft
          </Button>
          <PublishButton
            entityType="Task"
            entityId={id}
            before={async () => {
              const out = await unwrap(() => api.PATCH("/tasks/{id}", { params: { path: { id: id! } }, body: { ...body, status: "PUBLISHED" } }));
              client.setQueryData(keys.task(id!), out);
            }}
          />
        </Group>
      </Group>
      {saved && !save.isPending && (
        <Text c="green.8" role="status">
          Saved.
        </Text>
      )}
      {problems.length > 0 && (
        <Alert color="red" title="The server did not save the form" role="alert">
          {problems.length} problem{problems.length > 1 ? "s" : ""}, shown on the fields and rules they concern.
          {general.map((p) => (
            <Text key={p.path + p.message} size="sm">
              <Code>{p.path}</Code> {p.message}
            </Text>
          ))}
        </Alert>
      )}
      {save.error && problems.length === 0 && <Alert color="red">{messageOf(save.error)}</Alert>}
      <Group grow align="flex-start" wrap="wrap">
        <TextInput label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={220} />
        <Textarea
          label="Description"
          autosize
          minRows={1}
          value={draft.description}
          onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
          miw={220}
        />
      </Group>
      <Tabs defaultValue="design" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="design">Fields</Tabs.Tab>
          <Tabs.Tab value="rules">
            Rules{draft.validations.length ? ` (${draft.validations.length})` : ""}
          </Tabs.Tab>
          <Tabs.Tab value="preview">Preview</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="design" pt="md">
          {types.data ? (
            <FieldsEditor
              fields={draft.fields}
              onChange={setFields}
              types={types.data}
              selected={selected}
              onSelect={setSelected}
              problems={problems}
              problemAt={(i) =>
                messageAt(problems, "fields", String(i)) ??
                (draft.fields[i] ? messageAt(problems, "logic", "fields", draft.fields[i].id) : undefined)
              }
              extra={(field) => (
                <Stack gap="sm" mt="md">
                  <Title order={4} size="h6">
                    Conditional logic
                  </Title>
                  <Text size="xs" c="gray.7">
                    Leave empty for always visible, and required only as set above.
                  </Text>
                  <Text size="sm" fw={500}>
                    Visible when
                  </Text>
                  <RuleBuilder
                    key={`${field.id}:visible`}
                    label={`Visible when (${field.label})`}
                    value={draft.logic.fields?.[field.id]?.visible ?? null}
                    onChange={(rule) => setFieldLogic(field.id, "visible", rule)}
                    fields={others(field.id)}
                    error={messageAt(problems, "logic", "fields", field.id, "visible")}
                  />
                  <Text size="sm" fw={500}>
                    Required when
                  </Text>
                  <RuleBuilder
                    key={`${field.id}:required`}
                    label={`Required when (${field.label})`}
                    value={draft.logic.fields?.[field.id]?.required ?? null}
                    onChange={(rule) => setFieldLogic(field.id, "required", rule)}
                    fields={others(field.id)}
                    error={messageAt(problems, "logic", "fields", field.id, "required")}
                  />
                </Stack>
              )}
            />
          ) : (
            <Loader aria-label="Loading" />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          <Stack>
            <Text size="sm" c="gray.7">
              Cross-field rules: a submission is refused with the message unless the rule holds.
            </Text>
            {draft.validations.map((v, i) => (
              <Card key={i} withBorder aria-label={`Rule ${i + 1}`}>
                <Stack gap="xs">
                  <Group justify="space-between">
                    <Text fw={500}>Rule {i + 1}</Text>
                    <Button
                      variant="subtle"
                      color="red.8"
                      size="xs"
                      onClick={() => setDraft({ ...draft, validations: draft.validations.filter((_, j) => j !== i) })}
                    >
                      Remove rule {i + 1}
                    </Button>
                  </Group>
                  <RuleBuilder
                    label={`Rule ${i + 1} holds when`}
                    value={v.rule ?? null}
                    fields={draft.fields}
                    onChange={(rule) =>
                      setDraft((d) => ({ ...d, validations: d.validations.map((w, j) => (j === i ? { ...w, rule } : w)) }))
                    }
                    error={messageAt(problems, "validations", String(i), "rule")}
                  />
                  <TextInput
                    label={`Message of rule ${i + 1}`}
                    value={v.message}
                    error={messageAt(problems, "validations", String(i), "message")}
                    onChange={(e) => {
                      const message = e.currentTarget.value;
                      setDraft((d) => ({ ...d, validations: d.validations.map((w, j) => (j === i ? { ...w, message } : w)) }));
                    }}
                  />
                  <Text size="xs" c="gray.7">
                    Shown on: {(v.fields ?? []).join(", ") || "the form"}
                  </Text>
                  <Group gap={4}>
                    {draft.fields.map((f) => {
                      const on = (v.fields ?? []).includes(f.id);
                      return (
                        <Button
                          key={f.id}
                          size="compact-xs"
                          variant={on ? "filled" : "default"}
                          aria-pressed={on}
                          onClick={() =>
                            setDraft((d) => ({
                              ...d,
                              validations: d.validations.map((w, j) =>
                                j === i ? { ...w, fields: on ? (w.fields ?? []).filter((x) => x !== f.id) : [...(w.fields ?? []), f.id] } : w,
                              ),
                            }))
                          }
                        >
                          {f.label}
                        </Button>
                      );
                    })}
                  </Group>
                </Stack>
              </Card>
            ))}
            <Button
              variant="light"
              w="fit-content"
              onClick={() => setDraft({ ...draft, validations: [...draft.validations, { rule: null, message: "", fields: [] }] })}
            >
              Add a rule
            </Button>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="preview" pt="md">
          <div className="studio-split">
            <Card withBorder>
              <Title order={2} size="h5" mb="sm">
                {draft.name || "Form"} (as employees see it)
              </Title>
              <FormRenderer form={form} values={sample} onChange={setSample} errors={previewErrors} canListUsers />
            </Card>
            <Stack gap="xs">
              <Text size="sm" fw={500}>
                Sample data
              </Text>
              <Code block>{JSON.stringify(sample, null, 2)}</Code>
              <Text size="sm" c={Object.keys(previewErrors).length ? "red.8" : "green.8"} role="status">
                {Object.keys(previewErrors).length
                  ? `${Object.keys(previewErrors).length} problem(s) a submission would have`
                  : "A submission with this data passes the form's rules."}
              </Text>
              <Button variant="default" size="xs" w="fit-content" onClick={() => setSample({})}>
                Clear sample
              </Button>
            </Stack>
          </div>
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="md">
          <JsonInput
            label="The form's definition (fields, logic, validations)"
            autosize
            minRows={10}
            maxRows={40}
            value={jsonText ?? JSON.stringify({ fields: draft.fields, logic: form.logic, validations: form.validations }, null, 2)}
            onChange={(text) => {
              setJsonText(text);
              try {
                const parsed = JSON.parse(text);
                setDraft((d) => ({
                  ...d,
                  fields: Array.isArray(parsed.fields) ? parsed.fields : d.fields,
                  logic: parsed.logic && typeof parsed.logic === "object" ? parsed.logic : {},
                  validations: Array.isArray(parsed.validations) ? parsed.validations : [],
                }));
              } catch {
                /* keep the last valid definition until the JSON parses */
              }
            }}
            onBlur={() => setJsonText(null)}
            validationError="Not valid JSON"
          />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
