"""`{{variables}}` templates: trigger actions' settings, integration inputs and e-mail
templates are rendered here, plain substitutions in process and the rest in jinja2's sandbox
in a worker process with a time and memory budget."""

from core.templating.errors import TemplateFailed
from core.templating.rendering import (
    MAX_OUTPUT_CHARS,
    MAX_RANGE,
    MEMORY_MB,
    TIME_BUDGET_SECONDS,
    collecting_warnings,
    lookup,
    render_text,
    render_value,
    template_names,
)

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RANGE",
    "MEMORY_MB",
    "TIME_BUDGET_SECONDS",
    "TemplateFailed",
    "collecting_warnings",
    "lookup",
    "render_text",
    "render_value",
    "template_names",
]
