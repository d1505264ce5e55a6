// A new password typed twice, with the server's problems shown at the fields they name.
import { useState } from "react";
import { Alert, Button, PasswordInput, Stack } from "@mantine/core";
import { ApiError, messageOf } from "../api/problem";

export function NewPasswordForm(props: { submitLabel: string; onSubmit: (password: string) => Promise<unknown> }) {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (password.length < 8) problems.password = "Use at least 8 characters.";
    if (again !== password) problems.again = "The two passwords differ.";
    setErrors(problems);
    setFailure(null);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      await props.onSubmit(password);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setErrors({ password: fields.password ?? "" });
      setFailure(fields.token ?? (fields.password ? null : messageOf(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {failure && (
          <Alert color="red" role="alert">
            {failure}
          </Alert>
        )}
        <PasswordInput
          label="New password"
          autoComplete="new-password"
          autoFocus
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password || undefined}
          description="At least 8 characters"
        />
        <PasswordInput
          label="New password again"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.currentTarget.value)}
          error={errors.again || undefined}
        />
        <Button type="submit" loading={busy}>
          {props.submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
