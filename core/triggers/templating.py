"""`{{variables}}` in action configs and email templates, rendered by jinja2's sandbox so a
template can read the event's data but cannot reach Python internals or mutate anything, nor
build huge values: repetition (`*`), powers, `%` formatting, ranges and padding filters are
bounded, so a template cannot tie up a worker's memory or CPU with one expression."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sized
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.filters import do_center, do_format, do_indent
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from core.triggers.errors import TemplateFailed

MAX_OUTPUT_CHARS = 1_000_000
# "{{ amount }}" alone keeps the variable's own type (a number stays a number in a JSON body).
_WHOLE_VARIABLE = re.compile(r"^\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}$")

MAX_RANGE = 10_000
MAX_EXPONENT = 1_000
_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\d{5,}|\*)|\.(\d{5,}|\*)")
"""A `%` conversion with a width or precision of 10,000 or more (or taken from an argument)."""


def _bounded(size: int, what: str) -> None:
    if size > MAX_OUTPUT_CHARS:
        raise SecurityError(f"{what} would exceed {MAX_OUTPUT_CHARS} characters")


def _checked_format(text: str) -> str:
    if _WIDE_FORMAT.search(text):
        raise SecurityError("a % format width or precision above 9,999 is not allowed")
    return text


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with the operators that can build a huge value checked first."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, Sized) and isinstance(times, int):
                    _bounded(len(seq) * times, "repetition")
        elif operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
        elif operator == "%" and isinstance(left, str):
            _checked_format(left)
        return super().call_binop(context, operator, left, right)


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"ranges of more than {MAX_RANGE} items are not allowed")
    return numbers


def _center(value: str, width: int = 80) -> str:
    _bounded(width, "centering")
    return do_center(value, width)


def _indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if isinstance(width, int):
        _bounded(width * (str(value).count("\n") + 1), "indenting")
    return do_indent(value, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    return do_format(_checked_format(value), *args, **kwargs)


_environment = _BoundedEnvironment(
    autoescape=False,
    undefined=Undefined,
    keep_trailing_newline=True,
)
_environment.globals["range"] = _range
_environment.filters.update(center=_center, indent=_indent, format=_format)


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
