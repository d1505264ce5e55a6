// The page a password-reset e-mail links to: choose a new password (the link works once).
import { useState } from "react";
import { Link, useLocation } from "react-router";
import { Alert, Anchor } from "@mantine/core";
import { api, unwrap } from "../api/client";
import { AuthCard, doneAlert, tokenFromHash } from "./AuthCard";
import { NewPasswordForm } from "./NewPasswordForm";

export function ResetPasswordPage() {
  const token = tokenFromHash(useLocation().hash);
  const [done, setDone] = useState(false);
  return (
    <AuthCard title="Choose a new password">
      {!token ? (
        <Alert color="red" role="alert">
          This link is not complete. Open the link from the e-mail again, or ask for a new one.
        </Alert>
      ) : done ? (
        <Alert {...doneAlert} role="status" title="Password changed">
          Your password was changed and every sign-in of your account was ended. Sign in with the new password.
        </Alert>
      ) : (
        <NewPasswordForm
          submitLabel="Change password"
          onSubmit={async (password) => {
            await unwrap(() => api.POST("/auth/password-reset/confirm", { body: { token, password } }));
            setDone(true);
          }}
        />
      )}
      <Anchor component={Link} to={done ? "/sign-in" : "/forgot-password"} size="sm">
        {done ? "Sign in" : "Ask for a new link"}
      </Anchor>
    </AuthCard>
  );
}
