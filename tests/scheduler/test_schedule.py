"""Schedules and the misfire policy as pure logic: which slots are due at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationFailed
from core.scheduling import MisfirePolicy, due_slots, parse_schedule

ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 6) -> datetime:
    return datetime(2025, 1, day, hour, minute, second, tzinfo=UTC)


def test_cron_slots_follow_the_trigger_time_zone() -> None:
    schedule = parse_schedule({"cron": "0 9 * * 1-5", "timezone": "Europe/Paris"}, anchor=ANCHOR)
    slots = schedule.slots(at(0, day=6), at(23, day=12))
    # Monday 6 to Friday 10 January 2025 at 09:00 in Paris (UTC+1), not the weekend.
    assert slots == [at(8, day=d) for d in (6, 7, 8, 9, 10)]


def test_crontab_weekdays_count_from_sunday() -> None:
    sundays = parse_schedule({"cron": "0 12 * * 0"}, anchor=ANCHOR)
    also_sundays = parse_schedule({"cron": "0 12 * * 7"}, anchor=ANCHOR)
    weekend = parse_schedule({"cron": "0 12 * * 6-7"}, anchor=ANCHOR)
    week = (at(0, day=6), at(0, day=13))
    assert sundays.slots(*week) == also_sundays.slots(*week) == [at(12, day=12)]
    assert weekend.slots(*week) == [at(12, day=11), at(12, day=12)]


def test_cron_skips_the_hour_that_does_not_exist_when_clocks_go_forward() -> None:
    schedule = parse_schedule({"cron": "30 2 * * *", "timezone": "Europe/Paris"}, anchor=ANCHOR)
    start = datetime(2025, 3, 29, 0, 0, tzinfo=UTC)
    slots = schedule.slots(start, start + timedelta(days=3))
    local_days = [s.astimezone(schedule.timezone).day for s in slots]
    assert 29 in local_days and 31 in local_days
    assert len(slots) == len(set(local_days))  # never twice a day


def test_interval_slots_are_anchored_so_every_daemon_computes_the_same_times() -> None:
    anchor = datetime(2025, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)
    one = parse_schedule({"interval": {"minutes": 15}}, anchor=anchor)
    other = parse_schedule({"interval": {"minutes": 15}}, anchor=anchor)
    window = (at(10, 0), at(11, 0))
    assert one.slots(*window) == other.slots(*window)
    assert one.slots(*window)[0] == at(10, 0).replace(microsecond=250000)


def test_end_date_stops_the_schedule() -> None:
    schedule = parse_schedule(
        {
            "interval": {"hours": 1},
            "startDate": "2025-01-06T00:00:00+00:00",
            "endDate": "2025-01-06T03:00:00+00:00",
        },
        anchor=ANCHOR,
    )
    assert schedule.slots(at(0), at(12), inclusive=True) == [at(0), at(1), at(2), at(3)]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (MisfirePolicy.SKIP, [at(12, 0)]),
        (MisfirePolicy.RUN_ONCE, [at(11, 0), at(12, 0)]),
        (MisfirePolicy.RUN_ALL, [at(9, 0), at(10, 0), at(11, 0), at(12, 0)]),
    ],
)
def test_slots_missed_during_downtime_follow_the_misfire_policy(
    policy: MisfirePolicy, expected: list[datetime]
) -> None:
    schedule = parse_schedule(
        {"interval": {"hours": 1}, "misfirePolicy": policy.value, "misfireGraceSeconds": 60},
        anchor=ANCHOR,
    )
    # Last fired at 08:00, down until 12:00:30: 09, 10 and 11 o'clock were missed.
    due = due_slots(schedule, window_start=ANCHOR, last_claimed=at(8), now=at(12, 0, 30))
    assert due == expected


def test_run_all_fires_at_most_the_cap_of_missed_slots() -> None:
    schedule = parse_schedule(
        {
            "interval": {"minutes": 1},
            "misfirePolicy": "run_all",
            "misfireCap": 3,
            "misfireGraceSeconds": 0,
        },
        anchor=ANCHOR,
    )
    due = due_slots(schedule, window_start=ANCHOR, last_claimed=at(8), now=at(9, 0, 0))
    assert due == [at(8, 57), at(8, 58), at(8, 59), at(9, 0)]


def test_a_short_restart_loses_nothing_whatever_the_policy() -> None:
    schedule = parse_schedule(
        {"interval": {"seconds": 10}, "misfirePolicy": "skip", "misfireGraceSeconds": 60},
        anchor=ANCHOR,
    )
    due = due_slots(schedule, window_start=ANCHOR, last_claimed=at(8), now=at(8, 0, 35))
    assert due == [at(8, 0, 10), at(8, 0, 20), at(8, 0, 30)]


def test_nothing_fires_before_the_window_opens() -> None:
    schedule = parse_schedule({"interval": {"hours": 1}}, anchor=ANCHOR)
    edited = at(10, 30)
    assert due_slots(schedule, window_start=edited, last_claimed=None, now=at(10, 59)) == []
    assert due_slots(schedule, window_start=edited, last_claimed=None, now=at(11, 0, 1)) == [at(11)]


def test_an_invalid_schedule_lists_every_problem() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_schedule(
            {"cron": "61 * * * *", "timezone": "Mars/Olympus", "misfirePolicy": "sometimes"},
            anchor=ANCHOR,
        )
    paths = {p.path for p in caught.value.problems}
    assert paths == {"eventConfig.cron", "eventConfig.timezone", "eventConfig.misfirePolicy"}
    with pytest.raises(ValidationFailed):
        parse_schedule({"interval": {"fortnights": 1}}, anchor=ANCHOR)
    with pytest.raises(ValidationFailed):
        parse_schedule({}, anchor=ANCHOR)
