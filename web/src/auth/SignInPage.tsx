import { useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { Alert, Anchor, Button, Center, Divider, Paper, PasswordInput, Stack, TextInput, Title, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { fromPair, setSession } from "../api/session";
import { messageOf } from "../api/problem";
import { api, unwrap } from "../api/client";
import { useSession } from "./useSession";
import { challengeOf, TwoFactorStep, type Challenge } from "./TwoFactorStep";

/** What went wrong in a sign-in through a company's provider (the API's `?error=`). */
const PROVIDER_ERRORS: Record<string, string> = {
  no_account: "Your company has no account for this address. Ask your administrator to invite you.",
  account_disabled: "This account is disabled.",
  sign_in_expired: "The sign-in took too long or was already used. Try again.",
  provider_refused: "The sign-in provider did not sign you in.",
};

/** The sign-in providers of the company an address belongs to (by its domain). */
function useProviders(email: string) {
  const domain = email.includes("@") ? email.split("@")[1]?.trim() : "";
  return useQuery({
    queryKey: ["sign-in-providers", domain?.toLowerCase()],
    queryFn: () => unwrap(() => api.GET("/auth/providers", { params: { query: { email } } })),
    enabled: Boolean(domain && domain.includes(".")),
    staleTime: 300_000,
  });
}

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
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [typed, setTyped] = useState("");
  const providers = useProviders(typed);
  const target = nextPath(location.search);
  const providerError = new URLSearchParams(location.search).get("error");

  if (session && !challenge) return <Navigate to={target} replace />;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const pair = await unwrap(() => api.POST("/auth/login", { body: { email, password } }));
      setSession(fromPair(pair));
      navigate(target, { replace: true });
    } catch (err) {
      const needed = challengeOf(err);
      if (needed) setChallenge(needed);
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (challenge) {
    return (
      <Center component="main" mih="100vh" p="md">
        <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
          <Stack>
            <Title order={1} size="h2">
              Two-factor sign-in
            </Title>
            <TwoFactorStep challenge={challenge} onSignedIn={() => navigate(target, { replace: true })} />
          </Stack>
        </Paper>
      </Center>
    );
  }

  const choices = providers.data?.items ?? [];
  return (
    <Center component="main" mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">
              Sign in to ERP Builder
            </Title>
            {target !== "/" && <Text size="sm">Sign in to continue to the page you opened.</Text>}
            {(error || providerError) && (
              <Alert color="red" role="alert" title="Could not sign in">
                {error ?? PROVIDER_ERRORS[providerError ?? ""] ?? "The sign-in provider could not sign you in."}
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
              onBlur={() => setTyped(email)}
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
            <Anchor component={Link} to="/forgot-password" size="sm">
              Forgot your password?
            </Anchor>
            {choices.length > 0 && (
              <>
                <Divider label="or" labelPosition="center" />
                {choices.map((p) => (
                  <Button
                    key={p.id}
                    component="a"
                    variant="default"
                    href={`/auth/oidc/${encodeURIComponent(p.id)}/start?next=${encodeURIComponent(target)}`}
                  >
                    Sign in with {p.name}
                  </Button>
                ))}
              </>
            )}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
