"""The inbox and the right to act follow the roles a user holds now, not those held when the
level was entered: a role given later brings the task, a role taken away removes it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.flows import NotYourTurn, execute_task, get_instance, pending_tasks_for, reassign
from core.models import FlowAssignment, user_roles
from tests.world.flows import in_company, published_flow, start, submit_expense
from tests.world.tenants import Tenant


async def at_manager_review(sessions, acme: Tenant) -> str:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, instance.id)
    return instance.id


async def give_role(sessions, acme: Tenant, who: str, role: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            sa.insert(user_roles).values(user_id=acme.users[who].id, role_id=acme.roles[role].id)
        )


async def take_role(sessions, acme: Tenant, who: str, role: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            sa.delete(user_roles).where(
                user_roles.c.user_id == acme.users[who].id,
                user_roles.c.role_id == acme.roles[role].id,
            )
        )


async def inbox_of(sessions, acme: Tenant, who: str) -> list[tuple[str, int, str, bool]]:
    items, total = await in_company(sessions, acme, pending_tasks_for, user_id=acme.users[who].id)
    assert total == len(items)
    return [(i.instance_id, i.level_order, i.source, i.assignment_id is None) for i in items]


async def review(sessions, acme: Tenant, instance_id: str, who: str, decision: str = "Approved"):
    return await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=acme.tasks["review"],
        user_id=acme.users[who].id,
        data={"Decision": decision},
        expected_level=2,
    )


async def test_a_role_given_after_the_level_was_entered_brings_its_task_and_lets_them_act(
    sessions, acme
) -> None:
    instance_id = await at_manager_review(sessions, acme)
    assert await inbox_of(sessions, acme, "colleague") == []

    await give_role(sessions, acme, "colleague", "Manager")

    assert await inbox_of(sessions, acme, "colleague") == [(instance_id, 2, "ROLE", True)]
    view = await in_company(
        sessions, acme, get_instance, instance_id=instance_id, viewer_id=acme.users["colleague"].id
    )
    assert acme.users["colleague"].id in {w.user_id for w in view.current.waiting_on}
    result = await review(sessions, acme, instance_id, "colleague")
    assert result.level_closed and result.instance.current_level_order == 3
    assert await inbox_of(sessions, acme, "colleague") == []
    async with sessions() as session:
        voted = await session.scalar(
            sa.select(FlowAssignment.status).where(
                FlowAssignment.user_id == acme.users["colleague"].id
            )
        )
    assert voted == "APPROVED"


async def test_a_role_taken_away_removes_the_task_and_the_right_to_act(sessions, acme) -> None:
    instance_id = await at_manager_review(sessions, acme)
    assert await inbox_of(sessions, acme, "manager2") == [(instance_id, 2, "ROLE", False)]

    await take_role(sessions, acme, "manager2", "Manager")

    assert await inbox_of(sessions, acme, "manager2") == []
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance_id, "manager2")
    view = await in_company(sessions, acme, get_instance, instance_id=instance_id)
    assert acme.users["manager2"].id not in {w.user_id for w in view.current.waiting_on}
    # The others who hold the role still see it and may act.
    assert await inbox_of(sessions, acme, "manager") == [(instance_id, 2, "ROLE", False)]
    assert (await review(sessions, acme, instance_id, "manager")).level_closed


async def test_a_late_role_holder_who_handed_the_task_on_no_longer_sees_it(sessions, acme) -> None:
    instance_id = await at_manager_review(sessions, acme)
    await give_role(sessions, acme, "colleague", "Manager")

    await in_company(
        sessions,
        acme,
        reassign,
        instance_id=instance_id,
        user_id=acme.users["admin"].id,
        from_user_id=acme.users["colleague"].id,
        to_user_id=acme.users["clerk"].id,
    )

    assert await inbox_of(sessions, acme, "colleague") == []
    assert await inbox_of(sessions, acme, "clerk") == [(instance_id, 2, "REASSIGNED", False)]
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance_id, "colleague")


async def test_the_initiator_given_the_role_later_still_cannot_approve_their_own_request(
    sessions, acme
) -> None:
    instance_id = await at_manager_review(sessions, acme)
    await give_role(sessions, acme, "employee", "Manager")

    assert await inbox_of(sessions, acme, "employee") == []
    with pytest.raises(NotYourTurn):
        await review(sessions, acme, instance_id, "employee")
