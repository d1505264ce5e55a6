"""Semantic version numbers: parse, compare, bump by the impact of a change."""

from __future__ import annotations

import re
from typing import Literal

from core.errors import FieldProblem, ValidationFailed

Impact = Literal["major", "minor", "patch"]
IMPACT_RANK: dict[Impact, int] = {"patch": 0, "minor": 1, "major": 2}
FIRST_VERSION = "1.0.0"
_PATTERN = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")


def parse(text: str, path: str = "/version") -> tuple[int, int, int]:
    match = _PATTERN.match(text)
    if match is None:
        raise ValidationFailed(
            [FieldProblem(path, "must be major.minor.patch, e.g. 2.1.0", "invalid_version")]
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bump(previous: str, impact: Impact) -> str:
    major, minor, patch = parse(previous)
    if impact == "major":
        return f"{major + 1}.0.0"
    if impact == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def highest(impacts: list[Impact]) -> Impact:
    return max(impacts, key=IMPACT_RANK.__getitem__, default="patch")


def choose(proposed: str, requested: str | None) -> str:
    """The version to publish: the proposal, or a higher number the developer asked for."""
    if requested is None:
        return proposed
    if parse(requested) < parse(proposed):
        raise ValidationFailed(
            [
                FieldProblem(
                    "/version",
                    f"must be at least {proposed}, the version this change calls for",
                    "version_too_low",
                )
            ]
        )
    return requested
