"""Approvers acting on the same level at the same moment: the level advances exactly once and
no vote is lost (the instance row is locked for each action)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.database import transaction
from core.flows import LevelMoved, NotYourTurn, execute_task, start_flow
from core.models import (
    Flow,
    FlowAction,
    FlowAssignment,
    FlowDefinition,
    FlowStatus,
    FlowStep,
    Role,
)
from core.models.flow_runs import ActionKind
from tests.world.flows import expense_spec, expense_submission, in_company, published_flow
from tests.world.tenants import Tenant, add_user

DECIDED = {"decision": {"field": "Decision"}}


async def five_managers(sessions, acme: Tenant) -> list[str]:
    async with transaction(sessions) as session:
        manager = await session.get(Role, acme.roles["Manager"].id)
        for name in ("manager4", "manager5"):
            acme.users[name] = await add_user(session, acme.company_id, name, [manager])
    return [acme.users[f"manager{n}"].id for n in ("", 2, 3, 4, 5)]


async def instance_at_manager_review(sessions, acme: Tenant, config: dict) -> str:
    flow_id = await published_flow(sessions, acme, expense_spec(acme, manager_config=config))
    instance = await in_company(
        sessions, acme, start_flow, flow_id=flow_id, initiator_id=acme.users["employee"].id
    )
    await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance.id,
        task_id=acme.tasks["expense"],
        user_id=acme.users["employee"].id,
        data=expense_submission(acme, 3000),
    )
    return instance.id


async def approve_all_at_once(
    sessions, acme: Tenant, instance_id: str, users: list[str]
) -> list[str]:
    """Every user submits "Approved" on level 2 at the same moment; each one's outcome."""
    gate = asyncio.Event()

    async def approve_as(user_id: str) -> str:
        await gate.wait()
        try:
            await in_company(
                sessions,
                acme,
                execute_task,
                instance_id=instance_id,
                task_id=acme.tasks["review"],
                user_id=user_id,
                data={"Decision": "Approved"},
                expected_level=2,
            )
        except (LevelMoved, NotYourTurn) as refused:
            return refused.code
        return "approved"

    racers = [asyncio.create_task(approve_as(u)) for u in users]
    await asyncio.sleep(0.05)
    gate.set()
    return await asyncio.gather(*racers)


async def steps_of(sessions, instance_id: str) -> list[tuple[int, int, str, int]]:
    """(number, level, status, approvals) of every step of the instance."""
    async with sessions() as session:
        approvals = (
            sa.select(sa.func.count())
            .where(FlowAssignment.step_id == FlowStep.id, FlowAssignment.status == "APPROVED")
            .scalar_subquery()
        )
        rows = await session.execute(
            sa.select(FlowStep.number, FlowStep.level_order, FlowStep.status, approvals)
            .where(FlowStep.instance_id == instance_id)
            .order_by(FlowStep.number)
        )
        return [tuple(r) for r in rows]


async def advances_of(sessions, instance_id: str) -> int:
    async with sessions() as session:
        return await session.scalar(
            sa.select(sa.func.count()).where(
                FlowAction.instance_id == instance_id, FlowAction.kind == ActionKind.ADVANCED
            )
        )


async def test_five_managers_approving_at_once_advance_an_any_level_once(sessions, acme) -> None:
    managers = await five_managers(sessions, acme)
    instance_id = await instance_at_manager_review(sessions, acme, DECIDED)

    outcomes = await approve_all_at_once(sessions, acme, instance_id, managers)

    assert sorted(outcomes) == ["approved"] + ["flow_level_moved"] * 4
    assert await steps_of(sessions, instance_id) == [
        (1, 1, "APPROVED", 1),
        (2, 2, "APPROVED", 1),
        (3, 3, "ACTIVE", 0),
    ]
    assert await advances_of(sessions, instance_id) == 2


async def test_no_vote_is_lost_when_everyone_must_approve(sessions, acme) -> None:
    managers = await five_managers(sessions, acme)
    instance_id = await instance_at_manager_review(sessions, acme, {"completion": "all", **DECIDED})

    outcomes = await approve_all_at_once(sessions, acme, instance_id, managers)

    assert outcomes == ["approved"] * 5
    assert await steps_of(sessions, instance_id) == [
        (1, 1, "APPROVED", 1),
        (2, 2, "APPROVED", 5),
        (3, 3, "ACTIVE", 0),
    ]


async def test_a_consensus_of_three_takes_exactly_three_of_five_racing_votes(
    sessions, acme
) -> None:
    managers = await five_managers(sessions, acme)
    instance_id = await instance_at_manager_review(sessions, acme, {"completion": 3, **DECIDED})

    outcomes = await approve_all_at_once(sessions, acme, instance_id, managers)

    assert sorted(outcomes) == ["approved"] * 3 + ["flow_level_moved"] * 2
    assert await steps_of(sessions, instance_id) == [
        (1, 1, "APPROVED", 1),
        (2, 2, "APPROVED", 3),
        (3, 3, "ACTIVE", 0),
    ]
    assert await advances_of(sessions, instance_id) == 2


async def test_instances_started_at_once_on_a_seeded_flow_share_one_definition(
    sessions, acme
) -> None:
    flow_id = await published_flow(sessions, acme)
    async with transaction(sessions) as session:
        # As a seed leaves it: published, but never frozen by publish_flow.
        await session.execute(sa.delete(FlowDefinition))
        flow = await session.get(Flow, flow_id)
        assert flow.status is FlowStatus.PUBLISHED

    instances = await asyncio.gather(
        *(
            in_company(
                sessions, acme, start_flow, flow_id=flow_id, initiator_id=acme.users["employee"].id
            )
            for _ in range(8)
        )
    )

    async with sessions() as session:
        definitions = list(await session.scalars(sa.select(FlowDefinition.id)))
        pinned = set(
            await session.scalars(
                sa.select(FlowStep.definition_id).where(
                    FlowStep.instance_id.in_([i.id for i in instances])
                )
            )
        )
    assert len(definitions) == 1 and pinned == set(definitions)
