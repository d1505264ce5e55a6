"""Rollout by stable hash: shares of 1,000 companies, growth when raising, shrink when lowering."""

from __future__ import annotations

import uuid

from core.releases import admits, bucket_of

COMPANIES = [str(uuid.UUID(int=i * 7919 + 13)) for i in range(1000)]
TASK = str(uuid.UUID(int=42))


def reached(percentage: int, entity_id: str = TASK) -> set[str]:
    return {c for c in COMPANIES if admits(percentage, bucket_of("Task", entity_id, c))}


def test_percentages_reach_their_share_of_a_thousand_companies() -> None:
    for percentage in (10, 50, 90):
        share = len(reached(percentage)) / len(COMPANIES) * 100
        assert abs(share - percentage) <= 3, (percentage, share)


def test_a_company_always_falls_in_the_same_bucket() -> None:
    assert [bucket_of("Task", TASK, c) for c in COMPANIES[:50]] == [
        bucket_of("Task", TASK, c) for c in COMPANIES[:50]
    ]
    assert all(0 <= bucket_of("Flow", TASK, c) < 10_000 for c in COMPANIES)


def test_raising_the_percentage_only_adds_companies() -> None:
    previous: set[str] = set()
    for percentage in range(0, 101, 5):
        now = reached(percentage)
        assert previous <= now
        previous = now
    assert reached(0) == set() and reached(100) == set(COMPANIES)


def test_lowering_removes_only_companies_above_the_new_line() -> None:
    at_60, at_25 = reached(60), reached(25)
    assert at_25 <= at_60
    removed = at_60 - at_25
    assert all(bucket_of("Task", TASK, c) >= 2500 for c in removed)


def test_entities_are_rolled_out_to_independent_companies() -> None:
    other = str(uuid.UUID(int=43))
    assert reached(50) != reached(50, other)
