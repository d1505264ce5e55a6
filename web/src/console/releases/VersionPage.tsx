// One version: its lifecycle, its rollout (who sees it and why, a previewed percentage, pins,
// pause, rollback), its health and the watchdog's view of it, and, for a flow, the instances
// running across its versions.
import { useState } from "react";
import { Link as RouterLink, useNavigate, useParams } from "react-router";
import { Alert, Anchor, Badge, Button, Group, Loader, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { messageOf } from "../../api/problem";
import { when } from "../../shared/format";
import { keys, useHealth, useVersion, type Version } from "../api";
import { VERSION_COLOR } from "../status";
import { HealthPanel } from "./HealthPanel";
import { InstancesPanel } from "./InstancesPanel";
import { RolloutPanel } from "./RolloutPanel";

const TYPE_PAGE: Record<string, string> = { Flow: "Flow", Task: "Task", CustomTable: "CustomTable", Dataset: "Dataset" };

export function VersionPage() {
  const { id = "" } = useParams();
  const version = useVersion(id);
  if (version.isPending) return <Loader aria-label="Loading" />;
  if (version.error) return <Alert color="red">{messageOf(version.error)}</Alert>;
  const v = version.data;
  const name = String((v.snapshot as { name?: string }).name ?? v.entityId);
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Anchor component={RouterLink} to={`/console/releases?type=${TYPE_PAGE[v.entityType]}&entity=${v.entityId}`} size="sm">
          ← All versions of {name}
        </Anchor>
        <Group gap="sm">
          <Title order={2} size="h3">
            {name} {v.version}
          </Title>
          <Badge color={VERSION_COLOR[v.status]} variant="filled" size="lg">
            {v.status}
          </Badge>
        </Group>
        <Text size="sm" c="gray.7">
          {v.entityType} · {v.changes} · published {when(v.publishedAt ?? v.createdAt)}
        </Text>
      </Stack>
      <Lifecycle version={v} />
      <RolloutPanel version={v} />
      <HealthPanel version={v} />
      {v.entityType === "Flow" && <InstancesPanel version={v} />}
    </Stack>
  );
}

function Lifecycle({ version }: { version: Version }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const health = useHealth(version.id);
  const paused = health.data?.pause;
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  const done = () => client.invalidateQueries({ queryKey: keys.all });
  const path = { params: { path: { id: version.id } } };
  const status = useMutation({
    mutationFn: (next: Version["status"]) =>
      unwrap(() => api.POST("/versions/{id}/status", { ...path, body: { status: next } })),
    onSuccess: done,
  });
  const pause = useMutation({
    mutationFn: () => unwrap(() => api.POST("/versions/{id}/pause", { ...path, body: { reason } })),
    onSuccess: done,
  });
  const resume = useMutation({
    mutationFn: () => unwrap(() => api.POST("/versions/{id}/resume", path)),
    onSuccess: done,
  });
  const rollback = useMutation({
    mutationFn: () => unwrap(() => api.POST("/versions/{id}/rollback", path)),
    onSuccess: async (previous) => {
      await done();
      setConfirming(false);
      navigate(`/console/versions/${previous.id}`);
    },
  });
  const live = version.status === "PUBLISHED" || version.status === "STABLE";
  const error = status.error ?? pause.error ?? resume.error;
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Lifecycle
      </Title>
      {paused && (
        <Alert color="orange" title={paused.automatic ? "Paused by the failure-rate watchdog" : "Paused"} role="status">
          {paused.reason} (since {when(paused.pausedAt)}). Companies see what they saw without it; its pins and
          percentage are kept for when it resumes.
        </Alert>
      )}
      <Group align="flex-end">
        {version.status === "DRAFT" && <Button onClick={() => status.mutate("PUBLISHED")}>Publish</Button>}
        {version.status === "PUBLISHED" && (
          <Button color="teal.9" onClick={() => status.mutate("STABLE")}>
            Make stable for every company
          </Button>
        )}
        {live && (
          <Button variant="default" onClick={() => status.mutate("DEPRECATED")}>
            Deprecate
          </Button>
        )}
        {live && !paused && (
          <Group gap="xs" align="flex-end">
            <TextInput
              label="Reason to pause"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              maxLength={500}
              w={240}
            />
            <Button color="orange.9" disabled={!reason.trim()} onClick={() => pause.mutate()} loading={pause.isPending}>
              Pause
            </Button>
          </Group>
        )}
        {paused && (
          <Button color="teal.9" onClick={() => resume.mutate()} loading={resume.isPending}>
            Resume
          </Button>
        )}
        {version.status !== "DRAFT" && (
          <Button color="red.9" onClick={() => setConfirming(true)}>
            Roll back…
          </Button>
        )}
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {messageOf(error)}
        </Alert>
      )}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={`Roll back ${version.version}?`}>
        <Stack>
          <Text size="sm">
            {version.version} and every newer version are deprecated with their rollout cleared, and the version before
            it becomes stable: it takes over for every company at once. Running instances finish on the version they
            started on.
          </Text>
          {rollback.error && (
            <Alert color="red" role="alert">
              {messageOf(rollback.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button color="red.9" loading={rollback.isPending} onClick={() => rollback.mutate()}>
              Roll back now
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
