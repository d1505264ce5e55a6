// Back from a company's sign-in provider: trade the one-time code (in the URL's fragment) for
// the session's tokens, then go where the person was going.
import { useEffect, useRef, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { Alert, Anchor, Loader } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { messageOf } from "../api/problem";
import { fromPair, setSession } from "../api/session";
import { AuthCard, tokenFromHash } from "./AuthCard";
import { nextPath } from "./SignInPage";

export function ProviderCompletePage() {
  const code = tokenFromHash(useLocation().hash, "code");
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(code ? null : "This sign-in link is not complete.");
  const started = useRef(false);
  useEffect(() => {
    if (!code || started.current) return;
    started.current = true; // the code works once
    unwrap(() => api.POST("/auth/oidc/exchange", { body: { code } }))
      .then((signed) => {
        setSession(fromPair(signed));
        navigate(nextPath(`?next=${encodeURIComponent(signed.next ?? "/")}`), { replace: true });
      })
      .catch((err) => setError(messageOf(err)));
  }, [code, navigate]);
  return (
    <AuthCard title="Signing you in">
      {error ? (
        <Alert color="red" role="alert" title="Could not sign in">
          {error}
        </Alert>
      ) : (
        <Loader aria-label="Loading" />
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        Back to sign in
      </Anchor>
    </AuthCard>
  );
}
