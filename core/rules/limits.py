"""Bounds that keep a rule from running away: size and depth at compile time, work at run time."""

from __future__ import annotations

import contextvars

from .errors import Path, RuleLimitExceeded

MAX_DEPTH = 128  # length of the path from the root, about two per nesting level
MAX_NODES = 5_000
MAX_STRING = 1_000_000
MAX_LIST = 100_000
# Work units per evaluation for iterations (one per item) and big strings/lists built in loops.
WORK_BUDGET = 500_000

_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("rule_work_budget")


def start_budget() -> contextvars.Token[list[int]]:
    return _budget.set([WORK_BUDGET])


def end_budget(token: contextvars.Token[list[int]]) -> None:
    _budget.reset(token)


def charge(units: int, path: Path) -> None:
    box = _budget.get(None)
    if box is None:
        return
    box[0] -= units
    if box[0] < 0:
        raise RuleLimitExceeded.at(path, f"evaluation exceeded {WORK_BUDGET} units of work")


def check_string(value: str, path: Path) -> str:
    if len(value) > MAX_STRING:
        raise RuleLimitExceeded.at(path, f"string result longer than {MAX_STRING} characters")
    return value


def check_list(value: list[object], path: Path) -> list[object]:
    if len(value) > MAX_LIST:
        raise RuleLimitExceeded.at(path, f"list result longer than {MAX_LIST} items")
    return value
