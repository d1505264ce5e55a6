"""Rule operators a plugin contributes: extra JSONLogic operations available to every rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RuleOperator:
    """`{"name": [args...]}` in a rule calls `fn(*evaluated_args)`; `fn` must be pure (no I/O,
    no mutation of its arguments): rules are evaluated often and their results cached."""

    name: str
    fn: Callable[..., Any]
    min_args: int = 0
    max_args: int | None = None
    description: str = ""
