// The page an invitation e-mail links to: who is invited where, and their password to choose.
import { Link, useLocation, useNavigate } from "react-router";
import { Alert, Anchor, Loader, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { messageOf } from "../api/problem";
import { fromPair, setSession } from "../api/session";
import { AuthCard, tokenFromHash } from "./AuthCard";
import { NewPasswordForm } from "./NewPasswordForm";

export function AcceptInvitationPage() {
  const token = tokenFromHash(useLocation().hash);
  const navigate = useNavigate();
  const invitation = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => unwrap(() => api.POST("/auth/invitation", { body: { token } })),
    enabled: Boolean(token),
    retry: false,
  });
  return (
    <AuthCard title="Accept your invitation">
      {invitation.isPending && token && <Loader aria-label="Loading" />}
      {(!token || invitation.isError) && (
        <Alert color="red" role="alert">
          {token ? messageOf(invitation.error) : "This link is not complete."} Ask whoever invited you for a new
          invitation.
        </Alert>
      )}
      {invitation.data && (
        <>
          <Text>
            Choose a password for <strong>{invitation.data.email}</strong>
            {invitation.data.companyName ? ` at ${invitation.data.companyName}` : ""}.
          </Text>
          <NewPasswordForm
            submitLabel="Accept and sign in"
            onSubmit={async (password) => {
              const { email } = await unwrap(() =>
                api.POST("/auth/invitation/accept", { body: { token, password } }),
              );
              try {
                setSession(fromPair(await unwrap(() => api.POST("/auth/login", { body: { email, password } }))));
                navigate("/", { replace: true });
              } catch {
                // A second factor to set up, for instance: the sign-in page walks through it.
                navigate("/sign-in", { replace: true });
              }
            }}
          />
        </>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        Sign in
      </Anchor>
    </AuthCard>
  );
}
