"""Operators that plugins add to JSONLogic, with a version that keys the compile cache."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import OperatorRegistrationError

OperatorFn = Callable[..., Any]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}\Z")


@dataclass(frozen=True)
class CustomOperator:
    """A plugin operator: `fn(*evaluated_args)` must not mutate its arguments."""

    name: str
    fn: OperatorFn
    min_args: int = 0
    max_args: int | None = None
    plugin: str | None = None


class OperatorRegistry:
    """Plugin operators by name. Every change bumps `version`, so cached compilations go stale."""

    def __init__(self, reserved: Container[str] = frozenset()) -> None:
        self._reserved = reserved
        self._ops: dict[str, CustomOperator] = {}
        self._version = 0
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        return self._version

    def register(
        self,
        name: str,
        fn: OperatorFn,
        *,
        min_args: int = 0,
        max_args: int | None = None,
        plugin: str | None = None,
        replace: bool = False,
    ) -> CustomOperator:
        if not _NAME.match(name):
            raise OperatorRegistrationError(f"operator name {name!r} is not a plain identifier")
        if name in self._reserved:
            raise OperatorRegistrationError(f"operator {name!r} is built in and cannot be replaced")
        if not callable(fn):
            raise OperatorRegistrationError(f"operator {name!r}: implementation is not callable")
        if min_args < 0 or (max_args is not None and max_args < min_args):
            raise OperatorRegistrationError(f"operator {name!r}: bad arity {min_args}..{max_args}")
        op = CustomOperator(name, fn, min_args, max_args, plugin)
        with self._lock:
            existing = self._ops.get(name)
            if existing is not None and not replace:
                owner = existing.plugin or "another plugin"
                raise OperatorRegistrationError(
                    f"operator {name!r} is already registered by {owner}"
                )
            self._ops[name] = op
            self._version += 1
        return op

    def unregister(self, name: str) -> None:
        with self._lock:
            if self._ops.pop(name, None) is not None:
                self._version += 1

    def get(self, name: str) -> CustomOperator | None:
        return self._ops.get(name)

    def snapshot(self) -> Mapping[str, CustomOperator]:
        return dict(self._ops)
