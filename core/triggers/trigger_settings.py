"""A trigger's `settings` (retries, backoff, delay, rate limit, failure policy, chain depth)
and its `actions` list, parsed into typed values."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec

from core.errors import FieldProblem, ValidationFailed

_MSGSPEC_PATH = re.compile(r" - at `\$(.*)`$")


class RateLimit(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """At most `max` runs whose conditions were met per `per_seconds` (the rest are recorded
    as FAILED with the reason, and their actions do not run)."""

    max: Annotated[
        int, msgspec.Meta(title="At most this many runs", extra_json_schema={"minimum": 1})
    ]
    per_seconds: Annotated[
        float, msgspec.Meta(title="Per (seconds)", extra_json_schema={"exclusiveMinimum": 0})
    ] = 60.0


class TriggerSettings(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """The seed's `Trigger.settings`, camelCase in JSON:
    {"retries": 3, "retryBackoffSeconds": 2, "retryBackoffMaxSeconds": 300,
     "delaySeconds": 0, "rateLimit": {"max": 100, "perSeconds": 60},
     "onActionFailure": "stop" | "continue", "maxChainDepth": 5}"""

    retries: Annotated[
        int,
        msgspec.Meta(
            title="Retries of a failed action", extra_json_schema={"minimum": 0, "maximum": 20}
        ),
    ] = 0
    retry_backoff_seconds: Annotated[
        float,
        msgspec.Meta(
            title="First retry after (seconds, doubling each time)",
            extra_json_schema={"minimum": 0},
        ),
    ] = 1.0
    retry_backoff_max_seconds: Annotated[
        float,
        msgspec.Meta(
            title="Longest wait between retries (seconds)", extra_json_schema={"minimum": 0}
        ),
    ] = 300.0
    delay_seconds: Annotated[
        float,
        msgspec.Meta(
            title="Delay before the actions run (seconds)", extra_json_schema={"minimum": 0}
        ),
    ] = 0.0
    rate_limit: Annotated[RateLimit | None, msgspec.Meta(title="Rate limit")] = None
    on_action_failure: Annotated[
        Literal["stop", "continue"],
        msgspec.Meta(
            title="When an action fails",
            description="stop: the later actions are skipped; continue: they run.",
        ),
    ] = "stop"
    max_chain_depth: Annotated[
        int | None,
        msgspec.Meta(
            title="Most triggers in a chain (this trigger's events caused by actions)",
            extra_json_schema={"minimum": 1},
        ),
    ] = None

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based): doubling from
        `retryBackoffSeconds`, never more than `retryBackoffMaxSeconds`."""
        return float(
            min(self.retry_backoff_seconds * 2 ** (attempt - 1), self.retry_backoff_max_seconds)
        )


class ActionStep(msgspec.Struct, rename="camel"):
    """One entry of `Trigger.actions`: {"type": "send_email", "config": {...}} plus optional
    per-action overrides {"retries": 5, "onFailure": "continue"}."""

    type: str
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    retries: int | None = None
    on_failure: Literal["stop", "continue"] | None = None


def parse_settings(raw: Any) -> TriggerSettings:
    """Typed settings, or ValidationFailed naming the offending setting."""
    settings = _convert(raw or {}, TriggerSettings, "settings")
    problems = []
    if settings.retries < 0 or settings.retries > 20:
        problems.append(FieldProblem("settings.retries", "must be between 0 and 20", "range"))
    if settings.retry_backoff_seconds < 0 or settings.retry_backoff_max_seconds < 0:
        problems.append(
            FieldProblem("settings.retryBackoffSeconds", "must not be negative", "range")
        )
    if settings.delay_seconds < 0:
        problems.append(FieldProblem("settings.delaySeconds", "must not be negative", "range"))
    if settings.rate_limit is not None and (
        settings.rate_limit.max < 1 or settings.rate_limit.per_seconds <= 0
    ):
        problems.append(
            FieldProblem("settings.rateLimit", "needs max >= 1 and perSeconds > 0", "range")
        )
    if settings.max_chain_depth is not None and settings.max_chain_depth < 1:
        problems.append(FieldProblem("settings.maxChainDepth", "must be at least 1", "range"))
    if problems:
        raise ValidationFailed(problems)
    return settings


def parse_steps(raw: Any) -> list[ActionStep]:
    """The actions list, or ValidationFailed naming the offending entry."""
    if isinstance(raw, dict) and "actions" in raw:
        raw = raw["actions"]  # the seed's JSON example wraps the list in {"actions": [...]}
    steps = _convert(raw if raw is not None else [], list[ActionStep], "actions")
    problems = [
        FieldProblem(f"actions[{i}].retries", "must be between 0 and 20", "range")
        for i, step in enumerate(steps)
        if step.retries is not None and not 0 <= step.retries <= 20
    ]
    if problems:
        raise ValidationFailed(problems)
    return steps


def _convert(raw: Any, kind: Any, path: str) -> Any:
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = _MSGSPEC_PATH.search(message)
        suffix = where.group(1) if where else ""
        raise ValidationFailed(
            [FieldProblem(path + suffix, _MSGSPEC_PATH.sub("", message), "invalid")]
        ) from None
