// Where the vendor sends the browser back after the OAuth consent (the redirect URI,
// /integrations/oauth/callback). The page hands the vendor's answer (state, code, and what
// else it added) to the API's callback, which redeems the code and stores the refresh token,
// then returns to the integration it was for.
import { useEffect, useRef, useState } from "react";
import { Link as RouterLink, useLocation, useNavigate } from "react-router";
import { Alert, Anchor, Loader, Stack, Title } from "@mantine/core";
import { request } from "../../api/client";
import { messageOf } from "../../api/problem";

export function OAuthReturnPage() {
  const { search } = useLocation();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return; // the state is single-use: strict mode's second run must not reuse it
    sent.current = true;
    request<{ integrationId: string; connected: boolean }>("GET", `/integrations/oauth/callback${search}`, undefined, { auth: false })
      .then((answer) => {
        sessionStorage.removeItem("erp.oauth.integration");
        navigate(`/studio/integrations/${answer.integrationId}?connected=1`, { replace: true });
      })
      .catch(setError);
  }, [search, navigate]);
  const started = sessionStorage.getItem("erp.oauth.integration");
  return (
    <Stack maw={640}>
      <Title order={1} size="h3">
        Connecting the integration
      </Title>
      {error ? (
        <Alert color="red" role="alert" title="The connection was not made">
          {messageOf(error)}{" "}
          <Anchor component={RouterLink} to={started ? `/studio/integrations/${started}` : "/studio/integrations"}>
            Back to the integration
          </Anchor>
        </Alert>
      ) : (
        <Loader aria-label="Loading" />
      )}
    </Stack>
  );
}
