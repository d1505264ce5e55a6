"""HTTP routes of uploaded files."""
