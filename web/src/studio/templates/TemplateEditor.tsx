// The e-mail template editor: subject and body with the variables they use, and where they
// are sent from (a trigger's send_email action names the template by its type).
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { Alert, Button, Group, Loader, Stack, Switch, TagsInput, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { keys } from "../api";

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

export function TemplateEditor() {
  const { id } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const template = useQuery({
    queryKey: ["studio", "templates", id],
    queryFn: () => unwrap(() => api.GET("/email-templates/{id}", { params: { path: { id: id! } } })),
    enabled: !!id,
  });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (template.data) {
      const t = template.data;
      setDraft({ name: t.name, type: t.type ?? "", subject: t.subject, body: t.body, variables: t.variables ?? [], isActive: t.isActive });
    }
  }, [template.data]);
  const used = placeholders(`${draft.subject}\n${draft.body}`);
  const save = useMutation({
    mutationFn: () => {
      const body = { ...draft, variables: [...new Set([...draft.variables, ...used])] };
      return id
        ? unwrap(() => api.PATCH("/email-templates/{id}", { params: { path: { id } }, body: body as never }))
        : unwrap(() => api.POST("/email-templates", { body: body as never }));
    },
    onMutate: () => setSaved(false),
    onSuccess: (out) => {
      setSaved(true);
      client.invalidateQueries({ queryKey: keys.templates });
      if (!id) navigate(`/studio/templates/${(out as { id: string }).id}`, { replace: true });
    },
  });
  if (id && template.isPending) return <Loader aria-label="Loading" />;
  if (template.error) return <Alert color="red">{messageOf(template.error)}</Alert>;
  return (
    <Stack maw={820}>
      <Group justify="space-between">
        <Title order={1} size="h3">
          {id ? draft.name || "Template" : "New e-mail template"}
        </Title>
        <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!draft.name.trim()}>
          Save
        </Button>
      </Group>
      {saved && <Text c="green.8" role="status">Saved.</Text>}
      {save.error && <Alert color="red" role="alert">{messageOf(save.error)}</Alert>}
      <Group grow wrap="wrap">
        <TextInput label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} miw={200} />
        <TextInput label="Type (what send_email names)" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })} miw={200} />
      </Group>
      <TextInput label="Subject" value={draft.subject} onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} />
      <Textarea label="Body" autosize minRows={8} value={draft.body} onChange={(e) => setDraft({ ...draft, body: e.currentTarget.value })} styles={{ input: { fontFamily: "monospace" } }} />
      <TagsInput label="Variables" description="Those the subject and body use are added when saving." value={draft.variables} onChange={(variables) => setDraft({ ...draft, variables })} />
      <Text size="sm">Used: {used.length ? used.map((v) => `{{${v}}}`).join(", ") : "none"}</Text>
      <Switch label="Active" checked={draft.isActive} onChange={(e) => setDraft({ ...draft, isActive: e.currentTarget.checked })} />
      <Text size="xs" c="gray.7">
        A preview rendered by the server's sandbox and a test send need API routes that do not exist yet.
      </Text>
    </Stack>
  );
}
