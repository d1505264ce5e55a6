// A task submitted on its own, outside any flow: its form (as the server validates it), the
// submission, and the person's recent submissions of it.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Alert, Anchor, Button, Card, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ApiError, messageOf } from "../api/problem";
import { useMe } from "../auth/useSession";
import { FormRenderer } from "../forms/FormRenderer";
import { useDraft } from "../forms/drafts";
import { checkForm, submission } from "../forms/logic";
import type { FieldDef, FormDefinition, FormValidation, TaskLogic, Values } from "../forms/types";
import { valueText, when } from "../shared/format";
import { useMySubmissions, useTaskForm, type Submission } from "./hooks";

function Submitted({ fields, item }: { fields: FieldDef[]; item: Submission }) {
  return (
    <Table withRowBorders={false} layout="fixed">
      <Table.Tbody>
        {fields
          .filter((f) => item.data[f.id] !== undefined)
          .map((f) => (
            <Table.Tr key={f.id}>
              <Table.Th w="40%" scope="row">
                {f.label}
              </Table.Th>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{valueText(item.data[f.id])}</Table.Td>
            </Table.Tr>
          ))}
      </Table.Tbody>
    </Table>
  );
}

function StandaloneForm({ taskId, form, name }: { taskId: string; form: FormDefinition; name: string }) {
  const me = useMe();
  const client = useQueryClient();
  const draft = useDraft(`task.${taskId}`);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = useMutation({
    mutationFn: (data: Values) =>
      unwrap(() => api.POST("/tasks/{task_id}/executions", { params: { path: { task_id: taskId } }, body: { data } })),
    onSuccess: () => {
      draft.discard();
      setErrors({});
      void client.invalidateQueries({ queryKey: ["submissions", taskId] });
    },
    onError: (error) => {
      if (error instanceof ApiError) setErrors(error.fieldErrors());
    },
  });
  const count = Object.keys(errors).length;

  return (
    <form
      aria-label={name}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const problems = checkForm(form, draft.values);
        setErrors(problems);
        if (Object.keys(problems).length === 0) submit.mutate(submission(form, draft.values));
      }}
    >
      <Stack>
        {submit.isSuccess && (
          <Alert color="green" role="status" title="Submitted" withCloseButton onClose={() => submit.reset()}>
            Your {name} was sent on {when(submit.data.completedAt)}.
          </Alert>
        )}
        {count > 0 && (
          <Alert color="red" role="alert" title="Please correct the highlighted fields">
            {count} field{count > 1 ? "s need" : " needs"} attention.
          </Alert>
        )}
        {submit.isError && !(submit.error instanceof ApiError && submit.error.problem.errors?.length) && (
          <Alert color="red" role="alert">
            {messageOf(submit.error)}
          </Alert>
        )}
        <FormRenderer
          form={form}
          values={draft.values}
          onChange={draft.setValues}
          errors={errors}
          disabled={submit.isPending}
          canListUsers={(me.data?.permissions ?? []).includes("users.read")}
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

export function StandaloneFormPage() {
  const { taskId = "" } = useParams();
  const me = useMe();
  const task = useTaskForm(taskId);
  const mine = useMySubmissions(taskId, me.data?.user.id);

  if (task.isError && !task.data)
    return (
      <Alert color="red" role="alert" title="This form cannot be shown">
        {messageOf(task.error)}{" "}
        <Anchor component={Link} to="/">
          Back to home
        </Anchor>
      </Alert>
    );
  if (!task.data) return <Loader aria-label="Loading" />;
  const def = task.data.form;
  const form: FormDefinition = {
    fields: def.fields as unknown as FieldDef[],
    logic: def.logic as unknown as TaskLogic,
    validations: def.validations as unknown as FormValidation[],
  };

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          {def.name}
        </Title>
        <Text size="sm" c="gray.7">
          A form submitted on its own{task.data.version ? ` · version ${task.data.version}` : ""}
        </Text>
      </div>
      <Card withBorder padding="lg">
        <StandaloneForm taskId={taskId} form={form} name={def.name} />
      </Card>
      <Card withBorder component="section" aria-labelledby="submissions-title">
        <Title order={2} size="h4" id="submissions-title" mb="sm">
          Your recent submissions
        </Title>
        {mine.isPending && <Loader size="sm" aria-label="Loading" />}
        {mine.data?.length === 0 && <Text c="gray.7">You have not submitted this form yet.</Text>}
        <Stack>
          {(mine.data ?? []).map((item) => (
            <div key={item.id}>
              <Text size="sm" fw={600}>
                {when(item.completedAt)}
              </Text>
              <Submitted fields={form.fields} item={item} />
            </div>
          ))}
        </Stack>
      </Card>
    </Stack>
  );
}
