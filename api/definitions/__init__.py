"""Definitions as code over HTTP: export a company's definitions, plan and apply files."""
