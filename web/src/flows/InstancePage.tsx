import { useParams } from "react-router";
import { Alert, Anchor, Badge, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { authHeaders, freshSession } from "../api/session";
import { messageOf } from "../api/problem";
import { useMe } from "../auth/useSession";
import { useInbox } from "../inbox/hooks";
import { useFlowPermissions } from "../shared/permissions";
import { STATUS_COLOR, statusLabel, valueText, when } from "../shared/format";
import { useFlowShape, useHistory, useInstance, type HistoryEntry, type StepLevel } from "./hooks";
import { LevelTrack } from "./LevelTrack";
import { StepPanel } from "./StepPanel";
import { Timeline, type NoteOf } from "./Timeline";

async function download(fileId: string, name: string) {
  await freshSession();
  const response = await fetch(`/files/${fileId}/content`, { headers: authHeaders() });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Attachment({ id }: { id: string }) {
  const file = useQuery({
    queryKey: ["file", id],
    queryFn: () => unwrap(() => api.GET("/files/{id}", { params: { path: { id } } })),
    staleTime: Infinity,
  });
  const name = file.data?.originalName ?? id;
  return (
    <Anchor component="button" type="button" onClick={() => void download(id, name)}>
      {name}
      {file.data ? ` (${Math.max(1, Math.round(file.data.size / 1024))} kB)` : ""}
    </Anchor>
  );
}

/** The data submitted at each level: the latest submission of each task. */
function LevelData({ levels, history }: { levels: StepLevel[]; history: HistoryEntry[] }) {
  const latest = new Map<string, HistoryEntry>();
  for (const entry of history) {
    if (entry.kind === "SUBMITTED" && entry.taskId) latest.set(`${entry.levelOrder}.${entry.taskId}`, entry);
  }
  const sections = levels.flatMap((level) =>
    level.tasks
      .map((task) => ({ level, task, entry: latest.get(`${level.order}.${task.id}`) }))
      .filter((s) => s.entry),
  );
  if (sections.length === 0) return <Text c="gray.7">Nothing submitted yet.</Text>;
  return (
    <Stack>
      {sections.map(({ level, task, entry }) => (
        <div key={`${level.order}.${task.id}`}>
          <Title order={3} size="h5">
            {level.name}: {task.name}
          </Title>
          <Text size="xs" c="gray.7">
            {entry!.actorName} · {when(entry!.at)}
          </Text>
          <Table mt="xs" withRowBorders={false} layout="fixed">
            <Table.Tbody>
              {task.form.fields.map((field) => {
                const value = (entry!.data ?? {})[field.id];
                if (value === undefined) return null;
                return (
                  <Table.Tr key={field.id}>
                    <Table.Th w="40%" scope="row">
                      {field.label}
                    </Table.Th>
                    <Table.Td>
                      {field.type === "file" && typeof value === "string" ? <Attachment id={value} /> : valueText(value)}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      ))}
    </Stack>
  );
}

function attachmentsOf(levels: StepLevel[], history: HistoryEntry[]): string[] {
  const fileFields = new Set(levels.flatMap((l) => l.tasks.flatMap((t) => t.form.fields.filter((f) => f.type === "file").map((f) => f.id))));
  const ids = new Set<string>();
  for (const entry of history) {
    for (const [key, value] of Object.entries(entry.data ?? {})) {
      if (!fileFields.has(key)) continue;
      for (const id of Array.isArray(value) ? value : [value]) if (typeof id === "string") ids.add(id);
    }
  }
  return [...ids];
}

const COMMENT_LABELS = new Set(["comment", "comments", "reason", "note", "notes"]);

/** A review form's decision (a dropdown named Decision) and comment, from a submission. */
function notesOf(levels: StepLevel[]): NoteOf {
  const fields = new Map(levels.flatMap((l) => l.tasks.map((t) => [t.id, t.form.fields] as const)));
  return (entry) => {
    const data = (entry.data ?? {}) as Record<string, unknown>;
    const defs = fields.get(entry.taskId ?? "") ?? [];
    const pick = (match: (label: string) => boolean) => {
      const field = defs.find((f) => match(f.label.trim().toLowerCase()));
      const value = field ? data[field.id] : undefined;
      return typeof value === "string" && value.trim() ? value : undefined;
    };
    return { decision: pick((l) => l === "decision"), comment: pick((l) => COMMENT_LABELS.has(l)) };
  };
}

export function InstancePage() {
  const { id = "" } = useParams();
  const instance = useInstance(id);
  const shape = useFlowShape(instance.data);
  const history = useHistory(id);
  const inbox = useInbox({});
  const permissions = useFlowPermissions();
  const me = useMe();

  // A refresh that fails (the network dropped a moment) keeps the page as it was.
  if (instance.isError && !instance.data)
    return (
      <Alert color="red" role="alert" title="This request cannot be shown">
        {messageOf(instance.error)}
      </Alert>
    );
  if (!instance.data || !shape.data) return <Loader aria-label="Loading" />;

  const data = instance.data;
  const levels = shape.data.levels;
  const level = levels.find((l) => l.order === data.currentLevelOrder);
  // Asked by name on the level, or by a role (the inbox, which may still be loading its
  // later pages, says so). The server decides in the end.
  const myTurn =
    (data.currentLevel?.waitingOn ?? []).some((w) => w.userId === me.data?.user.id) ||
    (inbox.data?.items ?? []).some((item) => item.instanceId === data.id && item.levelOrder === data.currentLevelOrder);
  const entries = history.data ?? [];
  const attachments = attachmentsOf(levels, entries);

  return (
    <Stack>
      <div>
        <Group gap="sm">
          <Title order={1} size="h2">
            {data.flowName}
          </Title>
          <Badge color={STATUS_COLOR[data.status] ?? "gray.7"} variant="filled">
            {statusLabel(data.status)}
          </Badge>
        </Group>
        <Text size="sm" c="gray.7">
          Started {when(data.startedAt)}
          {shape.data.version ? ` · version ${shape.data.version}` : ""}
          {data.completedAt ? ` · finished ${when(data.completedAt)}` : ""}
        </Text>
      </div>
      <LevelTrack levels={levels} current={data.currentLevelOrder} status={data.status} />
      {level && (
        <StepPanel instance={data} level={level} levels={levels} myTurn={myTurn} permissions={permissions} history={entries} />
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder component="section" aria-labelledby="data-title">
          <Title order={2} size="h4" id="data-title" mb="sm">
            Submitted data
          </Title>
          <LevelData levels={levels} history={entries} />
          {attachments.length > 0 && (
            <>
              <Title order={2} size="h4" mt="md" mb="xs">
                Attachments
              </Title>
              <Stack gap={4} align="flex-start">
                {attachments.map((fileId) => (
                  <Attachment key={fileId} id={fileId} />
                ))}
              </Stack>
            </>
          )}
        </Card>
        <Card withBorder component="section" aria-labelledby="history-title">
          <Title order={2} size="h4" id="history-title" mb="sm">
            History
          </Title>
          <Timeline
            entries={entries}
            noteOf={notesOf(levels)}
            names={new Map((data.currentLevel?.waitingOn ?? []).map((w) => [w.userId, w.userName]))}
          />
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
