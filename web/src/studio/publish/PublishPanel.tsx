// Release state and publishing: whether the definition differs from its latest release, and
// a confirmation that shows the changelog and proposed version the server computed
// (GET /versions/preview) before the version is stored (POST /versions).
import { useState } from "react";
import { Alert, Badge, Button, Group, List, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { usePublishPreview, type Releasable } from "../api";

interface Entry {
  kind?: string;
  change?: string;
  name?: string;
  path?: string;
  impact?: string;
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
                <Badge size="lg">{preview.data.proposedVersion}</Badge>
                {preview.data.previousVersion && <Text c="gray.7">after {preview.data.previousVersion}</Text>}
              </Group>
              <Text fw={500}>{preview.data.changes}</Text>
              {entries.length > 0 ? (
                <List size="sm" aria-label="Changelog">
                  {entries.map((e, i) => (
                    <List.Item key={i}>
                      <Badge size="xs" color={e.impact === "major" ? "red.9" : e.impact === "minor" ? "blue.9" : "gray.7"} mr={6}>
                        {e.impact}
                      </Badge>
                      {e.kind} {e.name ?? e.path} {e.change}
                    </List.Item>
                  ))}
                </List>
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
