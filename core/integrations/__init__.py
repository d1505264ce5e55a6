"""Integrations with outside tools: their configuration and its secrets."""
