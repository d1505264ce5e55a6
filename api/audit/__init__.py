"""HTTP routes of the audit trail (read-only)."""
