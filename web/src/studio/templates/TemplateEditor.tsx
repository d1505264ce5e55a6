// The e-mail template editor: subject and body with the variables they may use (those of the
// triggers sending the template, or of an event), a preview rendered by the server's sandbox
// with sample data as the builder types, and a test send through the mail log.
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { Alert, Badge, Button, Code, Group, Loader, Paper, Stack, Switch, TagsInput, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { useMe } from "../../auth/useSession";
import { when } from "../../shared/format";
import { keys } from "../api";
import { messageAt, problemsOf, type PathProblem } from "../problems";
import { sampleData, sendTest, usePreview, useTemplateVariables, useTestSends, type TestSent } from "./templateApi";
import { VariablesPanel } from "./VariablesPanel";

interface Draft {
  name: string;
  type: string;
  subject: string;
  body: string;
  variables: string[];
  isActive: boolean;
}

const EMPTY: Draft = { name: "", type: "", subject: "", body: "", variables: [], isActive: true };

/** The `{{ name }}` placeholders of a text. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)].map((m) => m[1]))];
}

function typeOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").replace(/^(?=[^a-z])/, "t_").slice(0, 64);
}

export function TemplateEditor() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const me = useMe();
  const template = useQuery({
    queryKey: ["studio", "templates", id],
    queryFn: () => unwrap(() => api.GET("/email-templates/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
  const variables = useTemplateVariables(id);
  const tests = useTestSends(id);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [samples, setSamples] = useState<Record<string, string>>({});
  const [to, setTo] = useState("");
  const [saved, setSaved] = useState(false);
  const [problems, setProblems] = useState<PathProblem[]>([]);
  const [sent, setSent] = useState<TestSent | null>(null);
  const body = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (template.data) {
      const t = template.data;
      setDraft({ name: t.name, type: t.type ?? "", subject: t.subject, body: t.body, variables: t.variables ?? [], isActive: t.isActive });
    }
  }, [template.data]);
  useEffect(() => {
    if (me.data && !to) setTo(me.data.user.email);
  }, [me.data, to]);

  const used = placeholders(`${draft.subject}\n${draft.body}`);
  const sample = useMemo(() => sampleData(samples), [samples]);
  const current = useMemo(() => ({ subject: draft.subject, body: draft.body }), [draft.subject, draft.body]);
  const [texts] = useDebouncedValue(current, 300);
  const [debouncedSample] = useDebouncedValue(sample, 300);
  const preview = usePreview(id, texts, debouncedSample);
  const previewProblems = problemsOf(preview.error);

  const save = useMutation({
    mutationFn: () => {
      const out = { ...draft, type: draft.type || typeOf(draft.name), variables: [...new Set([...draft.variables, ...used.map((u) => u.split(".")[0])])] };
      return id
        ? unwrap(() => api.PATCH("/email-templates/{id}", { params: { path: { id } }, body: out }))
        : unwrap(() => api.POST("/email-templates", { body: out }));
    },
    onMutate: () => {
      setSaved(false);
      setProblems([]);
    },
    onError: (error) => setProblems(problemsOf(error)),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: keys.templates });
      client.invalidateQueries({ queryKey: ["studio", "templates", id] });
      client.invalidateQueries({ queryKey: ["studio", "template-variables", id] });
      if (!id) navigate(`/studio/templates/${out.id}`, { replace: true });
    },
  });
  const test = useMutation({
    mutationFn: () => sendTest(id!, to.trim(), { subject: draft.subject, body: draft.body }, sample),
    onMutate: () => setSent(null),
    onSuccess: (out) => {
      setSent(out);
      client.invalidateQueries({ queryKey: ["studio", "template-test-sends", id] });
    },
  });

  const insert = (name: string) => {
    const text = `{{ ${name} }}`;
    const area = body.current;
    const at = area ? area.selectionStart : draft.body.length;
    const next = draft.body.slice(0, at) + text + draft.body.slice(area ? area.selectionEnd : at);
    setDraft({ ...draft, body: next });
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(at + text.length, at + text.length);
    });
  };

  if (id && template.isPending) return <Loader aria-label="Loading" />;
  if (template.error) return <Alert color="red">{messageOf(template.error)}</Alert>;
  const testProblems = problemsOf(test.error);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h3">
          {id ? draft.name || "Template" : "New e-mail template"}
        </Title>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.name.trim()}>
          Save
        </Button>
      </Group>
      {saved && (
        <Text c="teal.9" role="status">
          Saved.
        </Text>
      )}
      {save.error && (
        <Alert color="red" role="alert" title="The server did not save the template">
          {messageOf(save.error)}
        </Alert>
      )}
      <div className="studio-split">
        <Stack>
          <Group grow wrap="wrap">
            <TextInput label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={200} error={messageAt(problems, "name")} />
            <TextInput
              label="Type (what send_email names)"
              placeholder={draft.name ? typeOf(draft.name) : undefined}
              value={draft.type}
              onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })}
              miw={200}
              error={messageAt(problems, "type")}
            />
          </Group>
          <TextInput label="Subject" value={draft.subject} onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} error={messageAt(problems, "subject") ?? messageAt(previewProblems, "subject")} />
          <Textarea
            ref={body}
            label="Body"
            autosize
            minRows={8}
            value={draft.body}
            onChange={(e) => setDraft({ ...draft, body: e.currentTarget.value })}
            styles={{ input: { fontFamily: "monospace" } }}
            error={messageAt(problems, "body") ?? messageAt(previewProblems, "body")}
          />
          <TagsInput label="Declared variables" description="Those the subject and body use are added when saving." value={draft.variables} onChange={(v) => setDraft({ ...draft, variables: v })} />
          <Switch label="Active" checked={draft.isActive} onChange={(e) => setDraft({ ...draft, isActive: e.currentTarget.checked })} />
          {id ? (
            <VariablesPanel variables={variables.data} used={used} onInsert={insert} />
          ) : (
            <Text size="sm" c="gray.7">
              Save the template to see the variables of the triggers that send it.
            </Text>
          )}
        </Stack>
        <Stack>
          <Paper withBorder p="sm" component="section" aria-labelledby="sample-title">
            <Title order={2} size="h6" id="sample-title" mb="xs">
              Sample data
            </Title>
            {used.length === 0 && <Text size="sm" c="gray.7">The template uses no variables.</Text>}
            {used.map((name) => (
              <TextInput key={name} label={`Sample ${name}`} size="xs" value={samples[name] ?? ""} onChange={(e) => setSamples({ ...samples, [name]: e.currentTarget.value })} />
            ))}
          </Paper>
          <Paper withBorder p="sm" component="section" aria-label="Preview" aria-busy={preview.isFetching}>
            <Group justify="space-between" mb="xs">
              <Title order={2} size="h6">
                Preview
              </Title>
              <Text size="xs" c="gray.7">
                rendered by the server's sandbox
              </Text>
            </Group>
            {preview.error ? (
              <Alert color="red" role="alert">
                {previewProblems.length ? previewProblems.map((p) => `${p.path.replace("/", "")}: ${p.message}`).join("; ") : messageOf(preview.error)}
              </Alert>
            ) : preview.data ? (
              <Stack gap={4}>
                <Text size="sm">
                  <b>Subject:</b> <span data-testid="preview-subject">{preview.data.subject}</span>
                </Text>
                <Code block aria-label="Rendered body">
                  {preview.data.body}
                </Code>
                {preview.data.warnings.map((w) => (
                  <Text key={w} size="xs" c="red.9">
                    {w}
                  </Text>
                ))}
              </Stack>
            ) : preview.isFetching ? (
              <Loader size="sm" aria-label="Rendering" />
            ) : (
              <Text size="sm" c="gray.7">
                Write a subject and a body to see them rendered.
              </Text>
            )}
          </Paper>
          <Paper withBorder p="sm" component="section" aria-labelledby="test-title">
            <Title order={2} size="h6" id="test-title" mb="xs">
              Test send
            </Title>
            <Group align="flex-end" wrap="wrap">
              <TextInput label="Send a test to" type="email" value={to} onChange={(e) => setTo(e.currentTarget.value)} error={messageAt(testProblems, "to")} style={{ flex: 1 }} miw={200} />
              <Button onClick={() => test.mutate()} loading={test.isPending} disabled={!id || !to.trim()}>
                Send a test
              </Button>
            </Group>
            {!id && (
              <Text size="xs" c="gray.7" mt={4}>
                Save the template first.
              </Text>
            )}
            {test.error && (
              <Alert color="red" mt="xs" role="alert">
                {messageOf(test.error)}
              </Alert>
            )}
            {sent && (
              <Text size="sm" mt="xs" role="status">
                {sent.status === "FAILED" ? `Not sent: ${sent.error}` : `Sent to ${sent.to} (${sent.status.toLowerCase()}).`}
              </Text>
            )}
            {(tests.data ?? []).length > 0 && (
              <Stack gap={2} mt="sm" aria-label="Test sends in the mail log">
                <Text size="xs" c="gray.7">
                  In the mail log:
                </Text>
                {tests.data!.map((m) => (
                  <Group key={m.id} gap={6} wrap="wrap">
                    <Badge size="xs" color={m.status === "FAILED" ? "red.9" : "teal.9"}>
                      {m.status}
                    </Badge>
                    <Text size="xs">
                      {m.subject} → {m.to.join(", ")} · {when(m.createdAt)}
                    </Text>
                  </Group>
                ))}
              </Stack>
            )}
          </Paper>
        </Stack>
      </div>
    </Stack>
  );
}
