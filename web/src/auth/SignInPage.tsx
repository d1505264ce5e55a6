import { useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title, Text } from "@mantine/core";
import { fromPair, setSession } from "../api/session";
import { messageOf } from "../api/problem";
import { api, unwrap } from "../api/client";
import { useSession } from "./useSession";

/** Where to go after signing in: the page the person was sent from (a deep link). */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const target = nextPath(location.search);

  if (session) return <Navigate to={target} replace />;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const pair = await unwrap(() => api.POST("/auth/login", { body: { email, password } }));
      setSession(fromPair(pair));
      navigate(target, { replace: true });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">
              Sign in to ERP Builder
            </Title>
            {target !== "/" && <Text size="sm">Sign in to continue to the page you opened.</Text>}
            {error && (
              <Alert color="red" role="alert" title="Could not sign in">
                {error}
              </Alert>
            )}
            <TextInput
              label="Email"
              autoFocus
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
