"""The inbox and the right to act follow the roles a user holds now, not those held when the
level was entered: a role given later brings the task, a role taken away removes it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.database import transaction
from core.flows import NotYourTurn, execute_task, get_instance, pending_tasks_for, reassign
from core.models import FlowAssignment, user_roles
from tests.flows.conftest import Acme, in_company, published_flow
from tests.flows.test_reading import start, submit_expense


async def at_manager_review(sessions, acme: Acme) -> str:
    flow_id = await published_flow(sessions, acme)
    instance = await start(sessions, acme, flow_id)
    await submit_expense(sessions, acme, instance.id)
    return instance.id


async def give_role(sessions, acme: Acme, who: str, role: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            sa.insert(user_roles).values(user_id=acme.users[who], role_id=acme.roles[role])
        )


async def take_role(sessions, acme: Acme, who: str, role: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            sa.delete(user_roles).where(
                user_roles.c.user_id == acme.users[who], user_roles.c.role_id == acme.roles[role]
            )
        )


async def inbox_of(sessions, acme: Acme, who: str) -> list[tuple[str, int, str, bool]]:
    items, total = await in_company(sessions, acme, pending_tasks_for, user_id=acme.users[who])
    assert total == len(items)
    return [(i.instance_id, i.level_order, i.source, i.assignment_id is None) for i in items]


async def review(sessions, acme: Acme, instance_id: str, who: str, decision: str = "Approved"):
    return await in_company(
        sessions,
        acme,
        execute_task,
        instance_id=instance_id,
        task_id=acme.review_task,
        user_id=acme.users[who],
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
        sessions, acme, get_instance, instance_id=instance_id, viewer_id=acme.users["colleague"]
    )
    assert acme.users["colleague"] in {w.user_id for w in view.current.waiting_on}
    result = await review(sessions, acme, instance_id, "colleague")
    assert result.level_closed and result.instance.current_level_order == 3
    assert await inbox_of(sessions, acme, "colleague") == []
    async with sessions() as session:
        voted = await session.scalar(
            sa.select(FlowAssignment.status).where(
                FlowAssignment.user_id == acme.users["colleague"]
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
    assert acme.users["manager2"] not in {w.user_id for w in view.current.waiting_on}
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
        user_id=acme.users["admin"],
        from_user_id=acme.users["colleague"],
        to_user_id=acme.users["clerk"],
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
