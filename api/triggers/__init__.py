"""HTTP routes of triggers, their executions, and in-app notifications."""
