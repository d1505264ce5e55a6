"""`{{variables}}` in action configs and email templates, rendered by jinja2's sandbox so a
template can read the event's data but cannot reach Python internals or mutate anything."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from core.triggers.errors import TemplateFailed

MAX_OUTPUT_CHARS = 1_000_000
# "{{ amount }}" alone keeps the variable's own type (a number stays a number in a JSON body).
_WHOLE_VARIABLE = re.compile(r"^\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}$")

_environment = ImmutableSandboxedEnvironment(
    autoescape=False,
    undefined=Undefined,
    keep_trailing_newline=True,
)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    return _environment.from_string(source)


def render_text(source: str, variables: Mapping[str, Any]) -> str:
    """Render a template to text; unknown variables render as empty text."""
    if "{" not in source:
        return source
    try:
        out = _compiled(source).render(variables)
    except SecurityError as exc:
        raise TemplateFailed(f"template not allowed: {exc}") from exc
    except TemplateError as exc:
        raise TemplateFailed(f"template error: {exc}") from exc
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise TemplateFailed(f"template error: {exc}") from exc
    if len(out) > MAX_OUTPUT_CHARS:
        raise TemplateFailed(f"template output exceeds {MAX_OUTPUT_CHARS} characters")
    return str(out)


def render_value(value: Any, variables: Mapping[str, Any]) -> Any:
    """Render every string inside a JSON-like value; a string that is exactly one
    `{{ variable }}` becomes that variable's value with its own type."""
    if isinstance(value, str):
        whole = _WHOLE_VARIABLE.match(value)
        if whole:
            return lookup(variables, whole.group(1))
        return render_text(value, variables)
    if isinstance(value, list):
        return [render_value(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: render_value(item, variables) for key, item in value.items()}
    return value


def lookup(variables: Mapping[str, Any], dotted: str) -> Any:
    """`a.b.0` into nested dicts and lists; None when any step is missing."""
    current: Any = variables
    for part in dotted.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current
