"""Accounts beyond signing in with a password: invitations, password resets, and sign-in
through a company's OpenID Connect provider."""
