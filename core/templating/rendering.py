"""`{{variables}}` in action configs and email templates. Plain substitutions
(`{{ employee_name }}`, `{{ data.items.0.sku }}`) are looked up here; anything else (filters,
expressions, statements) is rendered by jinja2's sandbox (core.templating.sandbox) in a
separate worker process with a hard deadline and memory limit, so no template can stall the
event loop or take the process's memory, whatever it does."""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import re
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, meta, nodes
from pebble import ProcessExpired, ProcessPool

from core.templating import sandbox
from core.templating.errors import TemplateFailed
from core.templating.sandbox import MAX_OUTPUT_CHARS, MAX_RANGE, MEMORY_MB

__all__ = [
    "MAX_OUTPUT_CHARS",
    "MAX_RANGE",
    "MEMORY_MB",
    "TIME_BUDGET_SECONDS",
    "collecting_warnings",
    "lookup",
    "render_text",
    "render_value",
    "template_names",
]

TIME_BUDGET_SECONDS = 2.0
"""How long the templates of one setting list (an action's config) may render. Real templates
take well under a millisecond; nested loops of the bounded `range` could otherwise run for
hours. The worker past it is killed and replaced."""
WORKERS = 2
"""Template worker processes per platform process: templates with expressions are rare
(plain substitutions never reach a worker), and a runaway one holds its worker for at most
TIME_BUDGET_SECONDS."""

_NAME = r"[A-Za-z_]\w*(?:\.\w+)*"
_WHOLE_VARIABLE = re.compile(r"^\{\{\s*(" + _NAME + r")\s*\}\}$")
"""`{{ amount }}` alone keeps the variable's own type (a number stays a number)."""
_SUBSTITUTION = re.compile(r"\{\{\s*(" + _NAME + r")\s*\}\}")
_JINJA_SYNTAX = ("{{", "{%", "{#")
_CONSTANTS = frozenset({"none", "None", "true", "True", "false", "False"})

_warnings: ContextVar[list[str] | None] = ContextVar("template_warnings", default=None)


@contextmanager
def collecting_warnings() -> Iterator[list[str]]:
    """Collect, while inside, a warning for each value a template named that was absent
    (rendered empty). The engine stores them in the action's result."""
    collected: list[str] = []
    token = _warnings.set(collected)
    try:
        yield collected
    finally:
        _warnings.reset(token)


def _warn(path: str, names: list[str]) -> None:
    collected = _warnings.get()
    if collected is None:
        return
    where = f"{path}: " if path else ""
    for name in names:
        message = f"{where}{{{{ {name} }}}} has no value; rendered empty"
        if message not in collected:
            collected.append(message)


async def render_text(source: str, variables: Mapping[str, Any], *, path: str = "") -> str:
    """Render a template to text; absent values render as empty text (and are warned of)."""
    [result] = await _render([("text", source, path)], variables, path)
    return str(result)


async def render_value(value: Any, variables: Mapping[str, Any], *, path: str = "") -> Any:
    """Render every string inside a JSON-like value. A string that is exactly one template
    expression (`{{ amount }}`, `{{ hours * rate }}`, `{{ items | length }}`) becomes the
    expression's value with its own type (number, boolean, list, object, null); a string
    with anything around it stays text. `path` names the value in warnings and errors."""
    jobs: list[tuple[str, str, str]] = []
    template = _collect(value, path, jobs)
    rendered = iter(await _render(jobs, variables, path)) if jobs else iter(())
    return _fill(template, rendered)


class _Slot:
    __slots__ = ()


def _collect(value: Any, path: str, jobs: list[tuple[str, str, str]]) -> Any:
    if isinstance(value, str):
        if "{" not in value:
            return value
        jobs.append(("value", value, path))
        return _Slot()
    if isinstance(value, list):
        return [_collect(item, f"{path}[{i}]", jobs) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {k: _collect(v, f"{path}.{k}" if path else str(k), jobs) for k, v in value.items()}
    return value


def _fill(template: Any, rendered: Iterator[Any]) -> Any:
    if isinstance(template, _Slot):
        return next(rendered)
    if isinstance(template, list):
        return [_fill(item, rendered) for item in template]
    if isinstance(template, dict):
        return {k: _fill(v, rendered) for k, v in template.items()}
    return template


async def _render(
    jobs: list[tuple[str, str, str]], variables: Mapping[str, Any], base: str
) -> list[Any]:
    """The results of (kind, source, path) jobs: looked up here when they are plain, the
    rest rendered together in a worker under one deadline (its failure named by `base`)."""
    results: list[Any] = [None] * len(jobs)
    remote: list[int] = []
    for index, (kind, source, path) in enumerate(jobs):
        plain = _plain_render(kind, source, variables, path)
        if plain is _NOT_PLAIN:
            remote.append(index)
        else:
            results[index] = plain
    if remote:
        batch = [(jobs[i][0], jobs[i][1]) for i in remote]
        try:
            answers = await _in_worker(batch, variables)
        except TemplateFailed as exc:
            raise TemplateFailed(f"{base}: {exc.message}" if base else exc.message) from None
        for index, (ok, result, absent) in zip(remote, answers, strict=True):
            path = jobs[index][2]
            if not ok:
                raise TemplateFailed(f"{path}: {result}" if path else str(result))
            _warn(path, absent)
            results[index] = result
    return results


_NOT_PLAIN = object()


def _plain_render(kind: str, source: str, variables: Mapping[str, Any], path: str) -> Any:
    """Text without template syntax, one bare `{{ variable }}` or text whose only template
    parts are `{{ variable }}` substitutions: done here, without a worker."""
    if "{" not in source:
        return source
    if any(m.group(1).split(".")[0] in _CONSTANTS for m in _SUBSTITUTION.finditer(source)):
        return _NOT_PLAIN  # `{{ none }}`, `{{ true }}`: jinja's literals, not variables
    if kind == "value" and (whole := _WHOLE_VARIABLE.match(source)):
        value = lookup(variables, whole.group(1), absent=_ABSENT)
        if value is _ABSENT:
            _warn(path, [whole.group(1)])
            return None
        return value
    rest = _SUBSTITUTION.sub("", source)
    if any(mark in rest for mark in _JINJA_SYNTAX):
        return _NOT_PLAIN
    absent: list[str] = []
    size = 0

    def substitute(match: re.Match[str]) -> str:
        nonlocal size
        value = lookup(variables, match.group(1), absent=_ABSENT)
        if value is _ABSENT:
            absent.append(match.group(1))
            return ""
        text = "" if value is None else str(value)
        size += len(text)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateFailed(
                f"{path + ': ' if path else ''}template output exceeds {MAX_OUTPUT_CHARS} "
                "characters"
            )
        return text

    out = _SUBSTITUTION.sub(substitute, source)
    _warn(path, list(dict.fromkeys(absent)))
    return out


_ABSENT = object()


def lookup(variables: Mapping[str, Any], dotted: str, *, absent: Any = None) -> Any:
    """`a.b.0` into nested dicts and lists; `absent` (None) when any step is missing."""
    current: Any = variables
    for part in dotted.split("."):
        if isinstance(current, Mapping):
            if part not in current:
                return absent
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return absent
    return current


# The worker pool: one per process (a forked child makes its own), started on first use.
_pool: ProcessPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _worker_pool() -> ProcessPool:
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid() or not _pool.active:
            # forkserver: workers start from a small clean process (this module preloaded),
            # not from a copy of this one with its threads, connections and event loop.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["core.templating.sandbox"])
            _pool = ProcessPool(
                max_workers=WORKERS, initializer=sandbox.limit_memory, context=context
            )
            _pool_pid = os.getpid()
        return _pool


def _stop_pool() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.stop()
        _pool.join(timeout=5)


atexit.register(_stop_pool)


async def _in_worker(
    batch: list[tuple[str, str]], variables: Mapping[str, Any]
) -> list[tuple[bool, Any, list[str]]]:
    future = _worker_pool().schedule(
        sandbox.render_batch, args=(batch, dict(variables)), timeout=TIME_BUDGET_SECONDS
    )
    try:
        answers: list[tuple[bool, Any, list[str]]] = await asyncio.wrap_future(future)
    except FutureTimeout:
        raise TemplateFailed(
            f"template stopped: it ran longer than {TIME_BUDGET_SECONDS:g} s"
        ) from None
    except ProcessExpired:
        raise TemplateFailed(
            f"template stopped: its worker ended (more than {MEMORY_MB} MB of memory?)"
        ) from None
    except asyncio.CancelledError:
        future.cancel()  # the worker is stopped too, not left rendering
        raise
    return answers


@lru_cache(maxsize=1024)
def template_names(source: str) -> frozenset[str]:
    """The top-level variables a template reads (`{{ data.amount }}` reads `data`), for the
    checks when a trigger or an email template is saved; TemplateFailed when it is not a
    valid template. Parsing runs no template code."""
    if not any(mark in source for mark in _JINJA_SYNTAX):
        return frozenset()
    try:
        tree: nodes.Template = sandbox.environment.parse(source)
    except TemplateError as exc:
        raise TemplateFailed(f"template error: {exc}") from None
    except RecursionError:
        raise TemplateFailed("template error: nested too deeply") from None
    return frozenset(meta.find_undeclared_variables(tree) - sandbox.GLOBALS)
