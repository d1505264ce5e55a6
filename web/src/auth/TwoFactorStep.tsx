// The second step of a sign-in: a code from the authenticator app (or a recovery code), and,
// where the company requires a second factor not yet set up, setting it up first.
import { useState } from "react";
import { Alert, Anchor, Button, Code, List, Stack, Text, TextInput } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { ApiError, messageOf } from "../api/problem";
import { fromPair, setSession } from "../api/session";
import { doneAlert } from "./AuthCard";

export interface Challenge {
  challenge: string;
  setup: boolean;
}

export function challengeOf(error: unknown): Challenge | null {
  if (error instanceof ApiError && error.code === "two_factor_required") {
    const problem = error.problem as { challenge?: string; setup?: boolean };
    if (problem.challenge) return { challenge: problem.challenge, setup: Boolean(problem.setup) };
  }
  return null;
}

export function TwoFactorStep({ challenge, onSignedIn }: { challenge: Challenge; onSignedIn: () => void }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<{ secret: string; provisioningUri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);

  async function setUp() {
    setError(null);
    try {
      setEnrolment(
        await unwrap(() => api.POST("/auth/login/two-factor/setup", { body: { challenge: challenge.challenge } })),
      );
    } catch (err) {
      setError(messageOf(err));
    }
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signed = await unwrap(() =>
        api.POST("/auth/login/two-factor", { body: { challenge: challenge.challenge, code: code.trim() } }),
      );
      setSession(fromPair(signed));
      if (signed.recoveryCodes?.length) setRecovery(signed.recoveryCodes);
      else onSignedIn();
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setError(fields.code ?? messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (recovery) {
    return (
      <Stack>
        <Alert {...doneAlert} role="status" title="Two-factor sign-in is on">
          Keep these recovery codes somewhere safe. Each signs you in once if you lose your
          authenticator app; they are not shown again.
        </Alert>
        <List aria-label="Recovery codes" ff="monospace">
          {recovery.map((c) => (
            <List.Item key={c}>{c}</List.Item>
          ))}
        </List>
        <Button onClick={onSignedIn}>Continue</Button>
      </Stack>
    );
  }

  if (challenge.setup && !enrolment) {
    return (
      <Stack>
        <Text>Your company requires two-factor sign-in. Set up an authenticator app to continue.</Text>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button onClick={setUp}>Set up an authenticator app</Button>
      </Stack>
    );
  }

  return (
    <form onSubmit={submit} aria-label="Second step">
      <Stack>
        {enrolment && <EnrolmentSecret {...enrolment} />}
        <Text>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</Text>
        {error && (
          <Alert color="red" role="alert" title="Could not sign in">
            {error}
          </Alert>
        )}
        <TextInput
          label="Code"
          autoFocus
          autoComplete="one-time-code"
          inputMode="text"
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
        />
        <Button type="submit" loading={busy}>
          Verify
        </Button>
      </Stack>
    </form>
  );
}

/** The secret of a new enrolment: a link that authenticator apps on this device open, and the
 * secret to type into one on another device. */
export function EnrolmentSecret({ secret, provisioningUri }: { secret: string; provisioningUri: string }) {
  return (
    <Stack gap="xs">
      <Text>
        Add this account to your authenticator app: <Anchor href={provisioningUri}>open it in the app</Anchor>, or
        type in the key:
      </Text>
      <Code block aria-label="Authenticator key">
        {secret}
      </Code>
    </Stack>
  );
}
