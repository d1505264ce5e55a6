// Ask for a password-reset link. The answer is the same whether or not the address has an
// account, so the page says what happens if it does.
import { useState } from "react";
import { Link } from "react-router";
import { Alert, Anchor, Button, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { messageOf } from "../api/problem";
import { AuthCard, doneAlert } from "./AuthCard";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const ask = useMutation({
    mutationFn: () => unwrap(() => api.POST("/auth/password-reset", { body: { email: email.trim() } })),
  });
  return (
    <AuthCard title="Reset your password">
      {ask.isSuccess ? (
        <Alert {...doneAlert} role="status" title="Check your e-mail">
          If an account has the address {email.trim()}, a link to choose a new password is on its way. It works
          once, for a limited time.
        </Alert>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ask.mutate();
          }}
        >
          <Text mb="sm">Enter the e-mail address you sign in with; we will send you a link.</Text>
          {ask.isError && (
            <Alert color="red" role="alert" mb="sm">
              {messageOf(ask.error)}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            mb="sm"
          />
          <Button type="submit" loading={ask.isPending} fullWidth>
            Send the link
          </Button>
        </form>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        Back to sign in
      </Anchor>
    </AuthCard>
  );
}
