// Out of office: while away, tasks that reach this person go to their delegate.
import { useEffect, useState } from "react";
import { Alert, Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, request, unwrap } from "../api/client";
import { useMe } from "../auth/useSession";
import { ApiError, messageOf } from "../api/problem";
import { when } from "../shared/format";

interface Delegation {
  delegateId: string;
  startsAt: string;
  endsAt: string;
}

function toLocal(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Whom work can go to: the company's users when the person may list them, else an id. */
function DelegateInput(props: { value: string; onChange: (v: string) => void; error?: string }) {
  const me = useMe();
  const canList = (me.data?.permissions ?? []).includes("users.read");
  const users = useQuery({
    queryKey: ["users", "picker"],
    queryFn: () => unwrap(() => api.GET("/users", { params: { query: { limit: 200 } } })),
    enabled: canList,
  });
  if (!canList || users.isError) {
    return (
      <TextInput
        label="Delegate"
        description="The id of a user of your company"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        error={props.error}
        withAsterisk
      />
    );
  }
  const data = (users.data?.items ?? [])
    .filter((u) => u.id !== me.data?.user.id)
    .map((u) => ({ value: u.id, label: [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email }));
  return (
    <Select
      label="Delegate"
      searchable
      data={data}
      value={props.value || null}
      onChange={(v) => props.onChange(v ?? "")}
      error={props.error}
      withAsterisk
    />
  );
}

function missing(delegateId: string, startsAt: string, endsAt: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!delegateId.trim()) out.delegateId = "Choose who takes your tasks.";
  if (!startsAt) out.startsAt = "Say when you leave.";
  if (!endsAt) out.endsAt = "Say when you are back.";
  return out;
}

export function DelegationPage() {
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ["delegation"],
    queryFn: async () => {
      try {
        return await request<Delegation | null>("GET", "/me/delegation");
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && error.code !== "http_error") return null;
        throw error;
      }
    },
    retry: false,
  });
  const [delegateId, setDelegateId] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [endsAt, setEndsAt] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (current.data) {
      setDelegateId(current.data.delegateId);
      setStartsAt(toLocal(current.data.startsAt));
      setEndsAt(toLocal(current.data.endsAt));
    }
  }, [current.data]);
  const save = useMutation({
    mutationFn: () =>
      request<Delegation>("PUT", "/me/delegation", {
        delegateId: delegateId.trim(),
        startsAt: startsAt ? new Date(startsAt).toISOString() : null,
        endsAt: endsAt ? new Date(endsAt).toISOString() : null,
      }),
    onSuccess: () => {
      setErrors({});
      void client.invalidateQueries({ queryKey: ["delegation"] });
    },
    onError: (error) => error instanceof ApiError && setErrors(error.fieldErrors()),
  });
  const remove = useMutation({
    mutationFn: () => request<unknown>("DELETE", "/me/delegation"),
    onSuccess: () => {
      setDelegateId("");
      setStartsAt("");
      setEndsAt("");
      void client.invalidateQueries({ queryKey: ["delegation"] });
    },
  });

  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        Out of office
      </Title>
      <Text>While you are away, the tasks that reach you go to your delegate, and the history records that they acted for you.</Text>
      {current.data && (
        <Alert color="blue" role="status">
          Delegating from {when(current.data.startsAt)} to {when(current.data.endsAt)}.
        </Alert>
      )}
      {(save.isError || remove.isError) && !Object.keys(errors).length && (
        <Alert color="red" role="alert">
          {messageOf(save.error ?? remove.error)}
        </Alert>
      )}
      <Card withBorder>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const problems = missing(delegateId, startsAt, endsAt);
            setErrors(problems);
            if (!Object.keys(problems).length) save.mutate();
          }}
        >
          <Stack>
            <DelegateInput value={delegateId} onChange={setDelegateId} error={errors.delegateId} />
            <TextInput label="From" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.currentTarget.value)} error={errors.startsAt} withAsterisk />
            <TextInput label="Until" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.currentTarget.value)} error={errors.endsAt} withAsterisk />
            <Group>
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
              {current.data && (
                <Button variant="outline" color="red.8" onClick={() => remove.mutate()} loading={remove.isPending}>
                  Stop delegating
                </Button>
              )}
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
