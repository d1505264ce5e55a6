// Release state and publishing: whether each definition differs from its latest release (in
// the lists, GET /versions/states; in an editor, GET /versions/preview), and a confirmation that
// shows the structured changelog and the proposed semantic version the server computed before
// the version is stored (POST /versions).
import { useState } from "react";
import { Alert, Badge, Button, Code, Group, List, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { ApiError, messageOf } from "../../api/problem";
import { usePublishPreview, type Releasable } from "../api";

export interface Entry {
  kind?: string;
  change?: string;
  key?: unknown;
  name?: string;
  path?: string;
  impact?: string;
  changes?: Record<string, { before?: unknown; after?: unknown }>;
}

const IMPACT_COLOR: Record<string, string> = { major: "red.9", minor: "blue.9", patch: "gray.7" };
const IMPACT_MEANING: Record<string, string> = {
  major: "breaks what was collected or filled in before (a field removed or retyped, a level removed, a new required field)",
  minor: "adds or changes behaviour without breaking earlier data",
  patch: "changes only what people read (labels, descriptions)",
};

/** Every definition of a kind with its release state, one query per kind (developers only:
 * others are not told, and see no release column). */
export function useReleaseStates(entityType: Releasable | undefined) {
  return useQuery({
    queryKey: ["studio", "release-states", entityType],
    queryFn: async () =>
      (await unwrap(() => api.GET("/versions/states", { params: { query: { entityType: entityType!, limit: 200 } } }))).items,
    enabled: !!entityType,
    retry: (count, error) => !(error instanceof ApiError && error.status === 403) && count < 2,
    staleTime: 30_000,
  });
}

/** A list row's release state. */
export function ReleaseState({ entityType, entityId }: { entityType: Releasable; entityId: string }) {
  const states = useReleaseStates(entityType);
  const state = states.data?.find((s) => s.entityId === entityId);
  if (!state) return null;
  if (!state.latest) return <Badge color="grape.9">Never released</Badge>;
  if (state.changes === 0) return <Badge color="teal.9">Same as {state.latest}</Badge>;
  return (
    <Badge color={state.impact === "major" ? "red.9" : "blue.9"} title={`Publishing would make ${state.proposed}`}>
      {state.changes} change{state.changes === 1 ? "" : "s"} since {state.latest}
    </Badge>
  );
}

export function ReleaseBadge({ entityType, entityId }: { entityType: Releasable; entityId?: string }) {
  const preview = usePublishPreview(entityType, entityId);
  if (!entityId) return <Badge color="gray">Not saved yet</Badge>;
  if (!preview.data) return null;
  if (!preview.data.previousVersion) return <Badge color="grape.9">Never released</Badge>;
  return preview.data.changeLog.length ? (
    <Badge color="red.9">Changed since {preview.data.previousVersion}</Badge>
  ) : (
    <Badge color="teal.9">Same as release {preview.data.previousVersion}</Badge>
  );
}

function short(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (value === "") return "(empty)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** The changelog: what changed (kind, name, change) with its impact and, for changes, each
 * attribute before and after. */
export function Changelog({ entries }: { entries: Entry[] }) {
  return (
    <List size="sm" spacing={4} aria-label="Changelog" listStyleType="none">
      {entries.map((e, i) => (
        <List.Item key={i}>
          <Group gap={6} wrap="wrap">
            <Badge size="xs" color={IMPACT_COLOR[e.impact ?? ""] ?? "gray.7"}>
              {e.impact}
            </Badge>
            <Text size="sm">
              {e.kind} <b>{e.name ?? String(e.key ?? "")}</b> {e.change}
            </Text>
            {e.path && e.path !== "/" && (
              <Text size="xs" c="gray.7">
                {e.path}
              </Text>
            )}
          </Group>
          {e.changes &&
            Object.entries(e.changes).map(([attribute, c]) => (
              <Text key={attribute} size="xs" ml="xl">
                <Code>{attribute}</Code> {short(c?.before)} → {short(c?.after)}
              </Text>
            ))}
        </List.Item>
      ))}
    </List>
  );
}

/** `before` makes the entity runnable in its own company first (a flow's publish, a task's
 * status); the version then records the release. */
export function PublishButton({
  entityType,
  entityId,
  disabled,
  before,
  onPublished,
}: {
  entityType: Releasable;
  entityId?: string;
  disabled?: boolean;
  before?: () => Promise<unknown>;
  onPublished?: () => void;
}) {
  const [opened, setOpened] = useState(false);
  const [changes, setChanges] = useState("");
  const client = useQueryClient();
  const preview = usePublishPreview(entityType, entityId, opened);
  const publish = useMutation({
    mutationFn: async () => {
      if (before) await before();
      const nothingNew = preview.data?.previousVersion && preview.data.changeLog.length === 0;
      if (nothingNew) return null;
      return unwrap(() =>
        api.POST("/versions", { body: { entityType, entityId: entityId!, changes: changes.trim() || null, draft: false } }),
      );
    },
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["studio"] });
      setOpened(false);
      onPublished?.();
    },
  });
  const entries = (preview.data?.changeLog ?? []) as Entry[];
  const highest = ["major", "minor", "patch"].find((i) => entries.some((e) => e.impact === i));
  return (
    <>
      <Button variant="filled" color="green.8" disabled={disabled || !entityId} onClick={() => setOpened(true)}>
        Publish…
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Publish" size="lg">
        <Stack>
          {preview.isPending && <Text aria-label="Loading">Computing the changes…</Text>}
          {preview.error && <Alert color="red">{messageOf(preview.error)}</Alert>}
          {preview.data && (
            <>
              <Group gap="xs">
                <Text>Proposed version</Text>
                <Badge size="lg" aria-label="Proposed version">
                  {preview.data.proposedVersion}
                </Badge>
                {preview.data.previousVersion && <Text c="gray.7">after {preview.data.previousVersion}</Text>}
              </Group>
              {preview.data.previousVersion && highest && (
                <Text size="sm" c="gray.7">
                  A {highest} release: the highest change {IMPACT_MEANING[highest]}.
                </Text>
              )}
              <Text fw={500}>{preview.data.changes}</Text>
              {entries.length > 0 ? (
                <Changelog entries={entries} />
              ) : (
                <Text c="gray.7">Nothing changed since the latest release: only the draft's state is published.</Text>
              )}
              <TextInput label="Release note (optional)" value={changes} onChange={(e) => setChanges(e.currentTarget.value)} maxLength={500} />
            </>
          )}
          {publish.error && (
            <Alert color="red" role="alert">
              {messageOf(publish.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button color="green.8" loading={publish.isPending} disabled={!preview.data} onClick={() => publish.mutate()}>
              Confirm and publish
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
