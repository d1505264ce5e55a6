"""The jinja2 sandbox that templates are rendered in, run inside the template worker process
(core.templating.rendering): a template can read the event's data but cannot reach Python
internals or mutate anything, and the operators that build values are bounded so that a
template meets a clear error long before the worker's hard memory limit."""

from __future__ import annotations

import re
import resource
from collections.abc import Iterable, Mapping, Sized
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import do_center, do_format, do_indent, do_join, do_replace
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT_CHARS = 1_000_000
"""The longest text a template renders to, and the longest value it builds on the way."""
MAX_RANGE = 10_000
MAX_EXPONENT = 1_000
_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\d{5,}|\*)|\.(\d{5,}|\*)")
"""A `%` conversion with a width or precision of 10,000 or more (or taken from an argument)."""

_absent: list[str] = []
"""Names a render found without a value, for the job being rendered (one job at a time)."""


def _bounded(size: int, what: str) -> None:
    if size > MAX_OUTPUT_CHARS:
        raise SecurityError(f"{what} would exceed {MAX_OUTPUT_CHARS} characters")


def _checked_format(text: str) -> str:
    if _WIDE_FORMAT.search(text):
        raise SecurityError("a % format width or precision above 9,999 is not allowed")
    return text


class _Absent(ChainableUndefined):
    """A value the data does not have: renders as empty text, and is reported as a warning
    (a test such as `x is defined` or `x | default(...)` reports nothing)."""

    __slots__ = ()

    def __str__(self) -> str:
        _refuse_unsafe(self)
        _absent.append(self._undefined_name or "?")
        return ""


def _refuse_unsafe(value: ChainableUndefined) -> None:
    # What the sandbox hid (`''.__class__`) is refused, not rendered as an absent value.
    if value._undefined_exception is SecurityError and value._undefined_hint:
        raise SecurityError(value._undefined_hint)


class _BoundedCodeGenerator(CodeGenerator):
    """`a ~ b` goes through the environment's bounded join, as `*`, `+` and `%` go through
    its `call_binop`: the sandbox intercepts neither `~` nor text output by itself."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with the operators that can build a huge value checked first."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, Sized) and isinstance(times, int):
                    _bounded(len(seq) * times, "repetition")
        elif operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
            _bounded(len(left) + len(right), "concatenation")
        elif operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
        elif operator == "%" and isinstance(left, str):
            _checked_format(left)
        return super().call_binop(context, operator, left, right)

    def bounded_join(self, parts: Iterable[Any]) -> str:
        texts = [str(p) for p in parts]
        _bounded(sum(len(t) for t in texts), "concatenation")
        return "".join(texts)

    def concat(self, parts: Iterable[Any]) -> str:
        """The text output (and `{% set %}` blocks), stopped as soon as it is too long."""
        out: list[str] = []
        size = 0
        for part in parts:
            size += len(part)
            _bounded(size, "the output")
            out.append(part)
        return "".join(out)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `data.items` is the submitted field "items", not the dict method: a mapping's own
        # keys first, as a template writer means them (and as plain `{{ a.b }}` looks up).
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


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


def _replace(eval_ctx: Any, value: str, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    times = text.count(str(old)) if count is None else min(count, text.count(str(old)))
    _bounded(len(text) + times * max(0, len(str(new)) - len(str(old))), "replacing")
    return do_replace(eval_ctx, value, old, new, count)


def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _bounded(sum(len(str(i)) for i in items) + len(d) * max(0, len(items) - 1), "joining")
    return do_join(eval_ctx, items, d, attribute)


_replace.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]
_join.jinja_pass_arg = do_join.jinja_pass_arg  # type: ignore[attr-defined]

environment = BoundedEnvironment(
    autoescape=False,
    undefined=_Absent,
    keep_trailing_newline=True,
    finalize=lambda value: "" if value is None else value,
)
environment.globals["range"] = _range
environment.filters.update(
    center=_center, indent=_indent, format=_format, replace=_replace, join=_join
)
GLOBALS = frozenset(environment.globals)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    return environment.from_string(source)


@lru_cache(maxsize=1024)
def _expression(source: str) -> Any:
    """The callable of a template that is exactly one `{{ expression }}`, or None."""
    body = environment.parse(source).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output) or len(body[0].nodes) != 1:
        return None
    if isinstance(body[0].nodes[0], nodes.TemplateData):
        return None
    inner = re.fullmatch(r"\s*\{\{[-+]?(.*?)[-+]?\}\}\s*", source, re.DOTALL)
    if inner is None:
        return None
    return environment.compile_expression(inner.group(1), undefined_to_none=False)


def _plain(value: Any) -> Any:
    """A JSON value: what a setting may hold (a template's own objects become text)."""
    if isinstance(value, ChainableUndefined):
        _refuse_unsafe(value)
        _absent.append(value._undefined_name or "?")
        return None
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | range):
        return [_plain(v) for v in value]
    return str(value)


def render_job(kind: str, source: str, variables: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """Render one template: `kind` "text" gives text; "value" gives the expression's own
    value when the template is exactly one `{{ expression }}`, else text. Returns the result
    and the names found without a value; raises TemplateFailed's message as ValueError."""
    _absent.clear()
    try:
        if kind == "value" and (expression := _expression(source)) is not None:
            result = _plain(expression(dict(variables)))
        else:
            result = _compiled(source).render(variables)
    except SecurityError as exc:
        raise ValueError(f"template not allowed: {exc}") from None
    except MemoryError:
        raise ValueError(
            f"template stopped: it needed more than {MEMORY_MB} MB of memory"
        ) from None
    except RecursionError:
        raise ValueError("template error: nested too deeply") from None
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise ValueError(f"template error: {exc}") from None
    return result, list(dict.fromkeys(_absent))


def render_batch(
    jobs: list[tuple[str, str]], variables: Mapping[str, Any]
) -> list[tuple[bool, Any, list[str]]]:
    """What the worker process runs: each job as (ok, result or error message, warnings)."""
    out: list[tuple[bool, Any, list[str]]] = []
    for kind, source in jobs:
        try:
            result, absent = render_job(kind, source, variables)
        except ValueError as exc:
            out.append((False, str(exc), []))
        else:
            out.append((True, result, absent))
    return out


MEMORY_MB = 256
"""The memory a template worker may use beyond what it had when it started: far more than any
template within MAX_OUTPUT_CHARS needs (a 1,000,000-character string is 1 MB), far less than
the machine has, so one runaway template cannot take memory from the platform."""


def limit_memory(megabytes: int = MEMORY_MB) -> None:
    """The worker's hard address-space limit: its size at start plus `megabytes` (where the
    system enforces RLIMIT_AS: Linux does)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except OSError:  # no /proc (macOS): the time budget still holds
        return
    size = pages * resource.getpagesize() + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
