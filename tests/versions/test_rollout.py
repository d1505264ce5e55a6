"""Which version a company sees: pins, then rollout buckets, then stable; rollback in one
call; pauses (manual and by failure rate); lifecycle rules; every change audited."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.models import (
    AuditLog,
    EventType,
    Task,
    Trigger,
    TriggerExecution,
    TriggerExecutionStatus,
    VersionStatus,
)
from core.releases import admits, bucket_of, resolve_version
from core.versions import (
    TransitionRefused,
    change_status,
    pause_failing_versions,
    publish_version,
    resume,
    rollback,
    set_rollout,
)
from tests.world.tenants import client_companies
from tests.world.versions import platform


async def new_version(sessions, developer, task_id: str, label: str):
    async with transaction(sessions) as session:
        task = await session.get(Task, task_id)
        fields = copy.deepcopy(task.fields)
        fields[0]["label"] = label
        task.fields = fields
    return await platform(
        sessions, publish_version, principal=developer, entity_type="Task", entity_id=task_id
    )


async def seen_by(sessions, task_id: str, company_id: str) -> str | None:
    seen = await platform(
        sessions, resolve_version, entity_type="Task", entity_id=task_id, company_id=company_id
    )
    return seen.version.version if seen else None


async def test_pins_come_first_then_rollout_then_stable(sessions, acme, developer) -> None:
    task = acme.tasks["expense"]
    companies = await client_companies(sessions, 40)
    v1 = await new_version(sessions, developer, task, "Name")
    assert await seen_by(sessions, task, companies[0]) is None  # published, reaching nobody
    await platform(
        sessions, change_status, principal=developer, version_id=v1.id, status=VersionStatus.STABLE
    )
    v2 = await new_version(sessions, developer, task, "Full name")
    v3 = await new_version(sessions, developer, task, "Employee")
    inside = [c for c in companies if admits(30, bucket_of("Task", task, c))]
    outside = [c for c in companies if c not in inside]
    await platform(sessions, set_rollout, principal=developer, version_id=v2.id, percentage=30)
    await platform(
        sessions, set_rollout, principal=developer, version_id=v3.id, clients=[outside[0]]
    )

    assert await seen_by(sessions, task, outside[0]) == "1.0.2"  # pinned
    assert {await seen_by(sessions, task, c) for c in inside} == {"1.0.1"}  # rollout
    assert {await seen_by(sessions, task, c) for c in outside[1:]} == {"1.0.0"}  # stable

    await platform(sessions, set_rollout, principal=developer, version_id=v3.id, percentage=100)
    assert {await seen_by(sessions, task, c) for c in companies} == {"1.0.2"}

    previous = await platform(sessions, rollback, principal=developer, version_id=v3.id)
    assert previous.id == v2.id and previous.status is VersionStatus.STABLE
    assert {await seen_by(sessions, task, c) for c in companies} == {"1.0.1"}

    async with transaction(sessions) as session:
        audited = list(
            await session.execute(
                sa.select(AuditLog.action, AuditLog.entity_id)
                .where(AuditLog.entity == "Version")
                .order_by(AuditLog.timestamp)
            )
        )
    actions = [a for a, _ in audited]
    assert actions.count("version.rollout_changed") == 3
    assert ("version.rolled_back", v3.id) in audited
    assert ("version.deprecated", v1.id) in audited
    assert ("version.restored_by_rollback", v2.id) in audited


async def test_the_lifecycle_refuses_moves_it_does_not_have(sessions, acme, developer) -> None:
    draft = await platform(
        sessions,
        publish_version,
        principal=developer,
        entity_type="Task",
        entity_id=acme.tasks["expense"],
        draft=True,
    )
    assert draft.status is VersionStatus.DRAFT and draft.published_at is None
    with pytest.raises(TransitionRefused):
        await platform(
            sessions,
            change_status,
            principal=developer,
            version_id=draft.id,
            status=VersionStatus.STABLE,
        )
    with pytest.raises(TransitionRefused):
        await platform(sessions, set_rollout, principal=developer, version_id=draft.id, clients=[])
    published = await platform(
        sessions,
        change_status,
        principal=developer,
        version_id=draft.id,
        status=VersionStatus.PUBLISHED,
    )
    assert published.published_at is not None
    await platform(
        sessions,
        change_status,
        principal=developer,
        version_id=draft.id,
        status=VersionStatus.DEPRECATED,
    )
    with pytest.raises(TransitionRefused):
        await platform(
            sessions,
            change_status,
            principal=developer,
            version_id=draft.id,
            status=VersionStatus.PUBLISHED,
        )


async def test_a_version_failing_above_the_threshold_is_paused(sessions, acme, developer) -> None:
    async with transaction(sessions) as session:
        trigger = Trigger(
            company_id=acme.company_id,
            name="High-Value Alert",
            event_type=EventType.TASK_COMPLETED,
            task_id=acme.tasks["expense"],
            actions=[{"type": "send_email", "config": {"to": "cfo@acme.example"}}],
        )
        session.add(trigger)
    v1 = await new_version(sessions, developer, acme.tasks["expense"], "Name")
    await platform(
        sessions, set_rollout, principal=developer, version_id=v1.id, clients=[acme.company_id]
    )
    async with transaction(sessions) as session:
        for index in range(10):
            session.add(
                TriggerExecution(
                    trigger_id=trigger.id,
                    company_id=acme.company_id,
                    event_data={},
                    conditions_met=True,
                    condition_result={},
                    actions_executed=[],
                    status=TriggerExecutionStatus.FAILED
                    if index < 6
                    else TriggerExecutionStatus.SUCCESS,
                    execution_time=3,
                )
            )

    async def watchdog(rate: float) -> list:
        return await platform(
            sessions,
            pause_failing_versions,
            failure_rate=rate,
            min_executions=10,
            window=timedelta(hours=1),
        )

    assert await watchdog(0.7) == []
    assert await seen_by(sessions, acme.tasks["expense"], acme.company_id) == "1.0.0"
    [paused] = await watchdog(0.5)
    assert (paused.version_id, paused.executions, paused.failure_rate) == (v1.id, 10, 0.6)
    assert paused.paused_by is None
    assert await seen_by(sessions, acme.tasks["expense"], acme.company_id) is None
    await platform(sessions, resume, principal=developer, version_id=v1.id)
    assert await seen_by(sessions, acme.tasks["expense"], acme.company_id) == "1.0.0"
