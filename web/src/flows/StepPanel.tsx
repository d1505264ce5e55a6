// Acting on the current level: the level's forms, and the actions the person may take. The
// server decides in the end; a page that went stale (someone else acted first) says so.
import { useState } from "react";
import { Alert, Button, Card, Group, Modal, Select, Stack, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ApiError, isStale, messageOf } from "../api/problem";
import { FormRenderer } from "../forms/FormRenderer";
import { useDraft } from "../forms/drafts";
import { checkForm, submission } from "../forms/logic";
import type { Values } from "../forms/types";
import { useMe } from "../auth/useSession";
import type { FlowPermissions } from "../shared/permissions";
import { useRefreshAfterAction, type HistoryEntry, type Instance, type StepLevel, type StepTask } from "./hooks";

export interface StepPanelProps {
  instance: Instance;
  level: StepLevel;
  levels: StepLevel[];
  myTurn: boolean;
  permissions: FlowPermissions;
  history: HistoryEntry[];
}

function StaleNotice({ onReload }: { onReload: () => void }) {
  return (
    // The title a shade darker than Mantine's orange: 4.5:1 on the light orange fill.
    <Alert
      color="orange"
      role="alert"
      title="This request has moved on"
      styles={{ title: { color: "color-mix(in srgb, var(--mantine-color-orange-9) 70%, black)" } }}
    >
      Someone else acted on it after you opened this page, so your action was not applied.
      <Group mt="sm">
        <Button size="xs" variant="white" color="dark" onClick={onReload}>
          Show the current state
        </Button>
      </Group>
    </Alert>
  );
}

function TaskForm({
  instance,
  level,
  task,
  previous,
  onStale,
  canListUsers,
}: {
  instance: Instance;
  level: StepLevel;
  task: StepTask;
  previous: Values;
  onStale: () => void;
  canListUsers: boolean;
}) {
  const draft = useDraft(`${instance.id}.${level.order}.${task.id}`, previous);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const refreshAll = useRefreshAfterAction();
  const submit = useMutation({
    mutationFn: (data: Values) =>
      unwrap(() =>
        api.POST("/flow-instances/{instance_id}/tasks/{task_id}", {
          params: { path: { instance_id: instance.id, task_id: task.id } },
          body: { data, levelOrder: level.order },
        }),
      ),
    onSuccess: () => {
      draft.discard();
      refreshAll();
    },
    onError: (error) => {
      if (isStale(error)) onStale();
      else if (error instanceof ApiError) setErrors(error.fieldErrors());
    },
  });

  return (
    <form
      aria-label={task.name}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const problems = checkForm(task.form, draft.values);
        setErrors(problems);
        if (Object.keys(problems).length === 0) submit.mutate(submission(task.form, draft.values));
      }}
    >
      <Stack>
        <Title order={3} size="h4">
          {task.name}
        </Title>
        {Object.keys(errors).length > 0 && (
          <Alert color="red" role="alert" title="Please correct the highlighted fields">
            {Object.keys(errors).length} field{Object.keys(errors).length > 1 ? "s need" : " needs"} attention.
          </Alert>
        )}
        {submit.isError && !(submit.error instanceof ApiError && submit.error.problem.errors?.length) && !isStale(submit.error) && (
          <Alert color="red" role="alert">
            {messageOf(submit.error)}
          </Alert>
        )}
        <FormRenderer
          form={task.form}
          values={draft.values}
          onChange={(values) => {
            draft.setValues(values);
          }}
          errors={errors}
          disabled={submit.isPending}
          canListUsers={canListUsers}
        />
        <Group>
          <Button type="submit" loading={submit.isPending}>
            Submit
          </Button>
          <Button variant="subtle" color="gray.8" onClick={draft.discard} disabled={submit.isPending}>
            Clear the draft
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

type Dialog = "approve" | "reject" | "reassign" | "cancel" | null;

/** Whom to give the task to: the company's people (but oneself and those already asked on
 * the level) for one who may list them, else a user id. */
function ReassignTarget({
  value,
  onChange,
  canListUsers,
  exclude,
}: {
  value: string;
  onChange: (userId: string) => void;
  canListUsers: boolean;
  exclude: ReadonlySet<string>;
}) {
  const users = useQuery({
    queryKey: ["users", "picker"],
    queryFn: () => unwrap(() => api.GET("/users", { params: { query: { limit: 200 } } })),
    enabled: canListUsers,
  });
  if (!canListUsers || users.isError)
    return (
      <TextInput
        label="Give the task to (user id)"
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        required
      />
    );
  const data = (users.data?.items ?? [])
    .filter((u) => u.isActive !== false && !exclude.has(u.id))
    .map((u) => ({ value: u.id, label: [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email }));
  return (
    <Select
      label="Give the task to"
      placeholder={users.isPending ? "Loading people…" : "Choose a person"}
      searchable
      data={data}
      value={value || null}
      onChange={(v) => onChange(v ?? "")}
      comboboxProps={{ withinPortal: false }}
      required
    />
  );
}

export function StepPanel({ instance, level, levels, myTurn, permissions, history }: StepPanelProps) {
  const me = useMe();
  const client = useQueryClient();
  const refreshAll = useRefreshAfterAction();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [comment, setComment] = useState("");
  const [toUser, setToUser] = useState("");
  const [stale, setStale] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const initiator = me.data?.user.id === instance.initiatorId;
  const running = instance.status === "IN_PROGRESS";
  const sendBack = level.sendBackTo ? levels.find((l) => l.order === level.sendBackTo) : undefined;

  const act = useMutation({
    mutationFn: async (what: Exclude<Dialog, null>) => {
      const path = { params: { path: { instance_id: instance.id } } };
      const note = comment.trim() || null;
      if (what === "approve")
        return unwrap(() => api.POST("/flow-instances/{instance_id}/approve", { ...path, body: { comment: note, levelOrder: level.order } }));
      if (what === "reject")
        return unwrap(() => api.POST("/flow-instances/{instance_id}/reject", { ...path, body: { comment: note, levelOrder: level.order } }));
      if (what === "reassign")
        return unwrap(() => api.POST("/flow-instances/{instance_id}/reassign", { ...path, body: { toUserId: toUser.trim(), comment: note } }));
      return unwrap(() => api.POST("/flow-instances/{instance_id}/cancel", { ...path, body: { reason: note } }));
    },
    onSuccess: () => {
      setDialog(null);
      setComment("");
      setToUser("");
      refreshAll();
    },
    onError: (error) => {
      setDialog(null);
      if (isStale(error)) setStale(true);
      else setFailure(messageOf(error));
    },
  });

  if (!running) return null;
  if (stale)
    return (
      <StaleNotice
        onReload={() => {
          setStale(false);
          void client.invalidateQueries();
        }}
      />
    );

  // The values this person submitted at this level before (a send-back), to start from.
  const previousFor = (task: StepTask): Values => {
    const last = [...history].reverse().find((h) => h.kind === "SUBMITTED" && h.taskId === task.id && h.levelOrder === level.order);
    return (last?.data as Values) ?? {};
  };
  const canReject = myTurn && level.order > 1 && permissions.canReject;
  const canApprove = myTurn && level.tasks.length === 0 && permissions.canApprove;
  const canReassign = permissions.canReassign && (myTurn || permissions.admin);
  const canCancel = initiator || permissions.admin;

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="step-title">
      <Stack>
        <Title order={2} size="h3" id="step-title">
          {myTurn ? "Your turn" : `Waiting at ${level.name}`}
        </Title>
        {failure && (
          <Alert color="red" role="alert" withCloseButton onClose={() => setFailure(null)}>
            {failure}
          </Alert>
        )}
        {myTurn &&
          level.tasks.map((task) => (
            <TaskForm
              key={task.id}
              instance={instance}
              level={level}
              task={task}
              previous={previousFor(task)}
              onStale={() => setStale(true)}
              canListUsers={(me.data?.permissions ?? []).includes("users.read")}
            />
          ))}
        {!myTurn && (
          <Text>
            Waiting on{" "}
            {(instance.currentLevel?.waitingOn ?? []).map((w) => w.userName).join(", ") || "someone holding the level's roles"}.
          </Text>
        )}
        <Group>
          {canApprove && (
            <Button color="teal.9" onClick={() => setDialog("approve")}>
              Approve
            </Button>
          )}
          {canReject && (
            <Button color="red.8" variant="outline" onClick={() => setDialog("reject")}>
              Reject
            </Button>
          )}
          {canReassign && (
            <Button variant="default" onClick={() => setDialog("reassign")}>
              Reassign
            </Button>
          )}
          {canCancel && (
            <Button variant="subtle" color="red.8" onClick={() => setDialog("cancel")}>
              Cancel the request
            </Button>
          )}
        </Group>
      </Stack>
      <Modal
        opened={dialog !== null}
        onClose={() => setDialog(null)}
        closeButtonProps={{ "aria-label": "Close" }}
        title={
          dialog === "approve"
            ? "Approve"
            : dialog === "reject"
              ? "Reject"
              : dialog === "reassign"
                ? "Reassign"
                : "Cancel the request"
        }
      >
        <Stack>
          {dialog === "reject" && (
            <Text size="sm">
              {sendBack
                ? `Rejecting sends the request back to level ${sendBack.order} (${sendBack.name}).`
                : "Rejecting ends the request."}
            </Text>
          )}
          {dialog === "reassign" && (
            <ReassignTarget
              value={toUser}
              onChange={setToUser}
              canListUsers={(me.data?.permissions ?? []).includes("users.read")}
              exclude={new Set([me.data?.user.id ?? "", ...(instance.currentLevel?.waitingOn ?? []).map((w) => w.userId)])}
            />
          )}
          <Textarea
            label={dialog === "reject" ? "Reason" : dialog === "cancel" ? "Reason" : "Comment"}
            value={comment}
            onChange={(e) => setComment(e.currentTarget.value)}
            maxLength={2000}
            autosize
            minRows={2}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              Back
            </Button>
            <Button
              color={dialog === "approve" ? "teal.9" : dialog === "reassign" ? "blue.8" : "red.8"}
              loading={act.isPending}
              disabled={dialog === "reassign" && !toUser.trim()}
              onClick={() => dialog && act.mutate(dialog)}
            >
              {dialog === "approve" ? "Approve" : dialog === "reject" ? "Reject" : dialog === "reassign" ? "Reassign" : "Cancel the request"}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
