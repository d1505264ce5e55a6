// The signed-in person's own security: their password and two-factor sign-in.
import { useState } from "react";
import { Alert, Badge, Button, Card, Group, List, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ApiError, messageOf } from "../api/problem";
import { EnrolmentSecret } from "../auth/TwoFactorStep";
import { doneAlert } from "../auth/AuthCard";

function fieldsOf(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors() : {};
}

function PasswordCard() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () =>
      unwrap(() => api.POST("/auth/password", { body: { currentPassword: current, newPassword: next } })),
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  const errors = fieldsOf(change.error);
  return (
    <Card withBorder>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h3">
            Password
          </Title>
          {change.isSuccess && (
            <Alert {...doneAlert} role="status">
              Your password was changed; your other sign-ins were ended.
            </Alert>
          )}
          {change.isError && !Object.keys(errors).length && (
            <Alert color="red" role="alert">
              {messageOf(change.error)}
            </Alert>
          )}
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={errors.currentPassword}
          />
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            description="At least 8 characters"
            required
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            error={errors.newPassword}
          />
          <Group>
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function TwoFactorCard() {
  const client = useQueryClient();
  const status = useQuery({ queryKey: ["two-factor"], queryFn: () => unwrap(() => api.GET("/auth/two-factor")) });
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: ["two-factor"] });
  const enrol = useMutation({
    mutationFn: () => unwrap(() => api.POST("/auth/two-factor", { body: { password } })),
    onSuccess: () => setPassword(""),
  });
  const confirm = useMutation({
    mutationFn: () => unwrap(() => api.POST("/auth/two-factor/confirm", { body: { code: code.trim() } })),
    onSuccess: (answer) => {
      setCodes(answer.recoveryCodes);
      enrol.reset();
      setCode("");
      refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => unwrap(() => api.POST("/auth/two-factor/disable", { body: { password } })),
    onSuccess: () => {
      setPassword("");
      setCodes(null);
      refresh();
    },
  });
  const state = status.data;
  const failed = enrol.error ?? confirm.error ?? disable.error;
  const errors = fieldsOf(failed);
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h3">
            Two-factor sign-in
          </Title>
          {state && (
            <Badge color={state.enabled ? "teal.9" : "gray.7"}>{state.enabled ? "On" : "Off"}</Badge>
          )}
        </Group>
        <Text>
          With two-factor sign-in, signing in with your password also asks for a code from an authenticator app on
          your phone.
          {state?.required ? " Your company requires it." : ""}
        </Text>
        {failed && !Object.keys(errors).length && (
          <Alert color="red" role="alert">
            {messageOf(failed)}
          </Alert>
        )}
        {codes && (
          <Alert {...doneAlert} role="status" title="Two-factor sign-in is on">
            Keep these recovery codes somewhere safe: each signs you in once without the app. They are not shown
            again.
            <List mt="xs" aria-label="Recovery codes" ff="monospace">
              {codes.map((c) => (
                <List.Item key={c}>{c}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        {state?.enabled && (
          <Text size="sm">{state.recoveryCodesLeft} recovery codes left.</Text>
        )}
        {enrol.data ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              confirm.mutate();
            }}
          >
            <Stack>
              <EnrolmentSecret {...enrol.data} />
              <TextInput
                label="Code from the app"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                error={errors.code}
              />
              <Group>
                <Button type="submit" loading={confirm.isPending}>
                  Turn on
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          state &&
          !(state.enabled && state.required) && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (state.enabled) disable.mutate();
                else enrol.mutate();
              }}
            >
              <Stack>
                <PasswordInput
                  label="Your password"
                  description={state.enabled ? "To turn two-factor sign-in off" : "To set up an authenticator app"}
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                  error={errors.password}
                />
                <Group>
                  <Button
                    type="submit"
                    variant={state.enabled ? "outline" : "filled"}
                    color={state.enabled ? "red.8" : undefined}
                    loading={enrol.isPending || disable.isPending}
                  >
                    {state.enabled ? "Turn off" : "Set up an authenticator app"}
                  </Button>
                </Group>
              </Stack>
            </form>
          )
        )}
      </Stack>
    </Card>
  );
}

export function SecurityPage() {
  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        Security
      </Title>
      <PasswordCard />
      <TwoFactorCard />
    </Stack>
  );
}
