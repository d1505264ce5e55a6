"""Every event type is written to the outbox in the transaction of the change that causes it:
inside that transaction the event is there, and when the transaction rolls back, the event
goes with the change (no event without its change, no change without its event).
WEBHOOK_RECEIVED is one statement with its delivery row (tests/triggers/test_webhooks.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import transaction
from core.flows import execute_task, start_flow
from core.models import (
    CustomTableRecord,
    EventType,
    FlowInstance,
    OutboxEvent,
    TaskExecution,
    Trigger,
)
from core.models.automation import ScheduleSlot
from core.records import create_record, create_table, update_record
from core.records.permissions import TriggerAuthority
from core.scheduling.claims import claim_slot
from tests.world.flows import expense_spec, expense_submission, in_company, published_flow
from tests.world.tenants import Tenant

LEDGER = [{"id": "amount", "type": "number", "label": "Amount", "required": True}]


class Abort(Exception):
    """Raised at the end of a unit of work to roll it back."""


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def events_by_type(session: AsyncSession) -> list[str]:
    return sorted(t.value for t in await session.scalars(sa.select(OutboxEvent.event_type)))


def rows_of(model: Any) -> Callable[[AsyncSession], Awaitable[Any]]:
    async def state(session: AsyncSession) -> int:
        return await count(session, model)

    return state


async def commits_with_its_events(
    sessions,
    acme: Tenant,
    work: Callable[[AsyncSession], Awaitable[Any]],
    state: Callable[[AsyncSession], Awaitable[Any]],
    expected: list[str],
) -> None:
    """Run `work` twice: rolled back (its events and its change both gone), then committed
    (both there). `state` reads what the work changes."""
    async with sessions() as session:
        events_before = await events_by_type(session)
        state_before = await state(session)
    with pytest.raises(Abort):
        async with transaction(sessions, company_id=acme.company_id) as session:
            await work(session)
            # Read inside the transaction: the events are written, with the change.
            assert await events_by_type(session) == sorted(events_before + expected)
            assert await state(session) != state_before
            raise Abort
    async with sessions() as session:
        assert await events_by_type(session) == events_before
        assert await state(session) == state_before
    async with transaction(sessions, company_id=acme.company_id) as session:
        await work(session)
    async with sessions() as session:
        assert await events_by_type(session) == sorted(events_before + expected)
        assert await state(session) != state_before


async def test_flow_events_commit_or_roll_back_with_the_flow(sessions, acme) -> None:
    spec = expense_spec(
        acme, manager_config={"decision": {"field": "Decision"}, "onReject": {"sendBackTo": 1}}
    )
    flow_id = await published_flow(sessions, acme, spec)
    users = {name: user.id for name, user in acme.users.items()}

    async def start(session: AsyncSession) -> None:
        await start_flow(
            session, company_id=acme.company_id, flow_id=flow_id, initiator_id=users["employee"]
        )

    await commits_with_its_events(
        sessions, acme, start, rows_of(FlowInstance), ["FLOW_STARTED", "TASK_STARTED"]
    )
    async with sessions() as session:
        instance_id = await session.scalar(sa.select(FlowInstance.id))

    def submitting(who: str, task_id: str, data: dict[str, Any]) -> Any:
        async def work(session: AsyncSession) -> None:
            await execute_task(
                session,
                company_id=acme.company_id,
                instance_id=instance_id,
                task_id=task_id,
                user_id=users[who],
                data=data,
            )

        return work

    await commits_with_its_events(
        sessions,
        acme,
        submitting("employee", acme.tasks["expense"], expense_submission(acme, 900)),
        rows_of(TaskExecution),
        ["TASK_COMPLETED", "TASK_STARTED"],
    )
    # The manager sends it back; the employee's new submission changes two fields.
    await commits_with_its_events(
        sessions,
        acme,
        submitting("manager", acme.tasks["review"], {"Decision": "Rejected"}),
        rows_of(TaskExecution),
        ["TASK_COMPLETED", "TASK_STARTED"],
    )
    await commits_with_its_events(
        sessions,
        acme,
        submitting("employee", acme.tasks["expense"], expense_submission(acme, 700, "Equipment")),
        rows_of(TaskExecution),
        ["FIELD_CHANGED", "FIELD_CHANGED", "TASK_COMPLETED", "TASK_STARTED", "TASK_UPDATED"],
    )
    async with sessions() as session:
        changed = await session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.event_type == EventType.FIELD_CHANGED)
        )
        assert sorted((e.payload["fieldLabel"], e.payload["newValue"]) for e in changed) == [
            ("Amount", 700),
            ("Category", "Equipment"),
        ]
    # The manager's new review on the second visit updates their first one.
    await commits_with_its_events(
        sessions,
        acme,
        submitting("manager", acme.tasks["review"], {"Decision": "Approved"}),
        rows_of(TaskExecution),
        ["FIELD_CHANGED", "TASK_COMPLETED", "TASK_STARTED", "TASK_UPDATED"],
    )
    await commits_with_its_events(
        sessions,
        acme,
        submitting("finance", acme.tasks["review"], {"Decision": "Approved"}),
        rows_of(TaskExecution),
        ["FLOW_COMPLETED", "TASK_COMPLETED"],
    )


async def test_record_events_commit_or_roll_back_with_the_record(sessions, acme) -> None:
    table = await in_company(
        sessions, acme, create_table, name="ledger", display_name="Ledger", schema=LEDGER
    )

    async def create(session: AsyncSession) -> None:
        await create_record(
            session,
            company_id=acme.company_id,
            table_id=table.id,
            data={"amount": 5},
            principal=TriggerAuthority(),
        )

    await commits_with_its_events(
        sessions, acme, create, rows_of(CustomTableRecord), ["DATABASE_ROW_CREATED"]
    )
    async with sessions() as session:
        record_id = await session.scalar(sa.select(CustomTableRecord.id))

    async def update(session: AsyncSession) -> None:
        await update_record(
            session,
            company_id=acme.company_id,
            record_id=record_id,
            data={"amount": 6},
            principal=TriggerAuthority(),
        )

    async def amount(session: AsyncSession) -> Any:
        return await session.scalar(
            sa.select(CustomTableRecord.data).where(CustomTableRecord.id == record_id)
        )

    await commits_with_its_events(sessions, acme, update, amount, ["DATABASE_ROW_UPDATED"])
    async with sessions() as session:
        record = await session.get(CustomTableRecord, record_id)
        assert record is not None and record.data == {"amount": 6}


async def test_a_scheduled_event_commits_or_rolls_back_with_its_slot(sessions, acme) -> None:
    async with transaction(sessions, company_id=acme.company_id) as session:
        trigger = Trigger(
            company_id=acme.company_id,
            name="Nightly",
            event_type=EventType.SCHEDULED,
            event_config={"cron": "0 2 * * *"},
            actions=[{"type": "noop"}],
        )
        session.add(trigger)
        await session.flush()
        trigger_id = trigger.id
    slot = datetime(2026, 11, 26, 2, tzinfo=UTC)

    async def claim(session: AsyncSession) -> None:
        row = await session.get(Trigger, trigger_id)
        assert row is not None
        assert await claim_slot(session, row, slot, claimed_by="test", late=False)

    await commits_with_its_events(sessions, acme, claim, rows_of(ScheduleSlot), ["SCHEDULED"])
