"""A SCHEDULED trigger's `eventConfig` as a schedule, and the pure logic of which slots are
due: {"cron": "0 9 * * 1-5"} or {"interval": {"minutes": 15}}, with optional "timezone",
"startDate", "endDate", "misfirePolicy" (skip | run_once | run_all), "misfireCap" and
"misfireGraceSeconds"."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.errors import FieldProblem, ValidationFailed

INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
MAX_LOOKBACK = timedelta(days=1)
"""How far back missed slots are looked for after downtime."""
MAX_SCAN = 100_000
"""How many slots one computation walks at most (a one-second interval over a day)."""


SCHEDULE_CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cron": {
            "type": "string",
            "title": "Cron expression (minute hour day month weekday)",
            "examples": ["0 9 * * 1-5"],
        },
        "interval": {
            "type": "object",
            "title": "Or every",
            "properties": {
                unit: {"type": "integer", "minimum": 0, "title": unit.capitalize()}
                for unit in INTERVAL_UNITS
            },
            "additionalProperties": False,
        },
        "timezone": {"type": "string", "title": "Time zone (IANA)", "default": "UTC"},
        "startDate": {"type": "string", "format": "date-time", "title": "Not before"},
        "endDate": {"type": "string", "format": "date-time", "title": "Not after"},
        "misfirePolicy": {
            "type": "string",
            "title": "Slots missed while no scheduler ran",
            "enum": ["skip", "run_once", "run_all"],
            "default": "run_once",
        },
        "misfireCap": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "default": 10,
            "title": "Most missed slots fired (run_all)",
        },
        "misfireGraceSeconds": {
            "type": "integer",
            "minimum": 0,
            "maximum": 86400,
            "default": 60,
            "title": "Late by at most (seconds)",
        },
    },
    "additionalProperties": False,
}
"""`parse_schedule`'s input as JSON Schema, for the trigger builder (one of cron or interval)."""


class MisfirePolicy(enum.StrEnum):
    """What happens to slots that passed while no scheduler was running (later than the
    grace period): dropped, the latest one fired, or all of them fired (up to the cap)."""

    SKIP = "skip"
    RUN_ONCE = "run_once"
    RUN_ALL = "run_all"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a trigger fires. `anchor` fixes interval slots (startDate, else the trigger's
    creation), so every daemon computes the same slot times."""

    trigger: BaseTrigger
    description: str
    timezone: tzinfo
    start: datetime | None
    end: datetime | None
    misfire_policy: MisfirePolicy = MisfirePolicy.RUN_ONCE
    misfire_cap: int = 10
    misfire_grace: timedelta = timedelta(seconds=60)

    def slots(self, after: datetime, until: datetime, *, inclusive: bool = False) -> list[datetime]:
        """Slot times in (after, until] ([after, until] when `inclusive`), oldest first,
        at most MAX_SCAN of them (the most recent ones)."""
        found: deque[datetime] = deque(maxlen=MAX_SCAN)
        start = after if inclusive else after + timedelta(microseconds=1)
        slot = self.trigger.get_next_fire_time(None, start)
        while slot is not None and slot <= until:
            found.append(slot.astimezone(UTC))
            slot = self.trigger.get_next_fire_time(slot, slot + timedelta(microseconds=1))
        return list(found)


def due_slots(
    schedule: Schedule,
    *,
    window_start: datetime,
    last_claimed: datetime | None,
    now: datetime,
) -> list[datetime]:
    """The slots to claim now. Slots after the last claimed one (or from `window_start`)
    up to now are due; those older than the grace period were missed and follow the
    misfire policy. Claiming is idempotent, so computing the same slot twice is harmless."""
    floor = max(window_start, now - MAX_LOOKBACK)
    if last_claimed is not None and last_claimed >= floor:
        candidates = schedule.slots(last_claimed, now)
    else:
        candidates = schedule.slots(floor, now, inclusive=True)
    late = now - schedule.misfire_grace
    missed = [s for s in candidates if s < late]
    on_time = [s for s in candidates if s >= late]
    if schedule.misfire_policy is MisfirePolicy.SKIP or not missed:
        return on_time
    if schedule.misfire_policy is MisfirePolicy.RUN_ONCE:
        return [missed[-1], *on_time]
    return missed[-schedule.misfire_cap :] + on_time


def parse_schedule(config: dict[str, Any] | None, *, anchor: datetime) -> Schedule:
    """The schedule of an `eventConfig`, or ValidationFailed listing every problem."""
    config = config or {}
    problems: list[FieldProblem] = []
    zone = _zone(config.get("timezone", "UTC"), problems)
    start = _when(config.get("startDate"), "eventConfig.startDate", zone, problems)
    end = _when(config.get("endDate"), "eventConfig.endDate", zone, problems)
    policy = _policy(config.get("misfirePolicy", "run_once"), problems)
    cap = _count(config.get("misfireCap", 10), "eventConfig.misfireCap", 1, 1000, problems)
    grace = _count(
        config.get("misfireGraceSeconds", 60),
        "eventConfig.misfireGraceSeconds",
        0,
        86400,
        problems,
    )
    trigger: BaseTrigger | None = None
    description = ""
    cron, interval = config.get("cron"), config.get("interval")
    if (cron is None) == (interval is None):
        problems.append(
            FieldProblem("eventConfig", "give exactly one of 'cron' or 'interval'", "required")
        )
    elif cron is not None:
        try:
            trigger = CronTrigger.from_crontab(crontab_to_apscheduler(str(cron)), timezone=zone)
            trigger.start_date, trigger.end_date = start, end
            description = f"cron {cron} ({zone})"
        except ValueError as exc:
            problems.append(FieldProblem("eventConfig.cron", f"not a cron expression: {exc}"))
    else:
        units = _interval(interval, problems)
        if units:
            trigger = IntervalTrigger(
                **units, start_date=start or anchor, end_date=end, timezone=zone
            )
            description = "every " + ", ".join(f"{v} {k}" for k, v in units.items())
    if start and end and end <= start:
        problems.append(FieldProblem("eventConfig.endDate", "must be after startDate", "range"))
    if problems or trigger is None:
        raise ValidationFailed(problems or [FieldProblem("eventConfig", "invalid schedule")])
    return Schedule(
        trigger=trigger,
        description=description,
        timezone=zone,
        start=start,
        end=end,
        misfire_policy=policy,
        misfire_cap=cap,
        misfire_grace=timedelta(seconds=grace),
    )


WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_to_apscheduler(expression: str) -> str:
    """APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (or 7): numeric
    weekdays are rewritten as names, which both read the same way ("1-5" -> mon..fri)."""
    fields = expression.split()
    if len(fields) != 5 or not any(c.isdigit() for c in fields[4]):
        return expression
    days: list[int] = []
    for part in fields[4].split(","):
        spec, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if spec == "*":
            low, high = 0, 6
        elif "-" in spec:
            first, _, last = spec.partition("-")
            low, high = _weekday(first), _weekday(last)
        else:
            low = high = _weekday(spec)
            if step_text:
                high = 6
        if high < low:
            high += 7  # "5-1": Friday round to Monday
        days += [d % 7 for d in range(low, high + 1, step)]
    fields[4] = ",".join(WEEKDAY_NAMES[d] for d in sorted(set(days)))
    return " ".join(fields)


def _weekday(text: str) -> int:
    if text.isdigit():
        if int(text) > 7:
            raise ValueError(f"weekday {text} is out of range 0-7")
        return int(text) % 7
    return WEEKDAY_NAMES.index(text.lower()[:3])


def _zone(name: Any, problems: list[FieldProblem]) -> tzinfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(FieldProblem("eventConfig.timezone", f"unknown time zone {name!r}"))
        return UTC


def _when(raw: Any, path: str, zone: tzinfo, problems: list[FieldProblem]) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        problems.append(FieldProblem(path, f"not an ISO 8601 date-time: {raw!r}"))
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone)


def _policy(raw: Any, problems: list[FieldProblem]) -> MisfirePolicy:
    try:
        return MisfirePolicy(str(raw))
    except ValueError:
        known = ", ".join(p.value for p in MisfirePolicy)
        problems.append(FieldProblem("eventConfig.misfirePolicy", f"must be one of {known}"))
        return MisfirePolicy.RUN_ONCE


def _count(raw: Any, path: str, low: int, high: int, problems: list[FieldProblem]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        problems.append(FieldProblem(path, f"must be a whole number from {low} to {high}"))
        return low
    return raw


def _interval(raw: Any, problems: list[FieldProblem]) -> dict[str, int]:
    if not isinstance(raw, dict) or not raw:
        problems.append(
            FieldProblem("eventConfig.interval", 'must be an object such as {"minutes": 15}')
        )
        return {}
    units: dict[str, int] = {}
    for key, value in raw.items():
        if key not in INTERVAL_UNITS:
            problems.append(
                FieldProblem(
                    f"eventConfig.interval.{key}",
                    f"unit must be one of {', '.join(INTERVAL_UNITS)}",
                )
            )
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(FieldProblem(f"eventConfig.interval.{key}", "must be a whole number"))
        else:
            units[key] = value
    if units and timedelta(**units).total_seconds() < 1:
        problems.append(FieldProblem("eventConfig.interval", "must be at least one second"))
        return {}
    return units
