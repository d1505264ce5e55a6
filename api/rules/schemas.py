"""Request and response bodies of the rule tester."""

from __future__ import annotations

from typing import Any

from api.structs import Body, Out


class RuleTest(Body):
    rule: Any
    data: Any = None


class RuleTestResult(Out):
    result: Any
    trace: dict[str, Any]
