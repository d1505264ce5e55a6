"""The system state over HTTP, as monitoring polls it: the outbox's backlog and the age of its
oldest event, the relay's lag, and the processes heard from with a scheduler's last slots;
a company's builders see their company's share only, a developer the whole platform."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.database import transaction
from core.events import record_event
from core.models import EventType, OutboxEvent, UserRole, utcnow
from core.scheduling import fire_due_slots
from core.settings import AutomationSettings
from scheduler.daemon import SchedulerDaemon
from tests.world.app import auth_headers
from tests.world.automation import add_trigger
from tests.world.tenants import Tenant


async def events(sessions, company_id: str, n: int) -> list[str]:
    async with transaction(sessions) as session:
        return [
            record_event(session, EventType.DATABASE_ROW_CREATED, company_id=company_id, payload={})
            for _ in range(n)
        ]


async def test_the_outbox_backlog_rises_and_falls_per_company(
    client, sessions, acme: Tenant, globex: Tenant, as_admin, as_developer
) -> None:
    empty = await client.get("/system/outbox", headers=as_admin)
    assert empty.status_code == 200, empty.text
    assert (empty.json()["backlog"], empty.json()["oldestAgeSeconds"]) == (0, None)

    mine = await events(sessions, acme.company_id, 3)
    await events(sessions, globex.company_id, 2)
    async with transaction(sessions) as session:  # the oldest waited a minute
        await session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == mine[0])
            .values(created_at=utcnow() - timedelta(minutes=1))
        )
        # One was handed to the broker and awaits a worker.
        await session.execute(
            sa.update(OutboxEvent).where(OutboxEvent.id == mine[1]).values(dispatched_at=utcnow())
        )

    acme_view = (await client.get("/system/outbox", headers=as_admin)).json()
    assert (acme_view["backlog"], acme_view["waitingForRelay"], acme_view["inBroker"]) == (3, 2, 1)
    assert acme_view["companyId"] == acme.company_id
    assert 59 <= acme_view["oldestAgeSeconds"] < 600
    assert 59 <= acme_view["relayLagSeconds"] < 600
    assert acme_view["recentSent"] == 1
    globex_admin = auth_headers(globex.users[UserRole.ADMIN])
    assert (await client.get("/system/outbox", headers=globex_admin)).json()["backlog"] == 2
    platform = (await client.get("/system/outbox", headers=as_developer)).json()
    assert (platform["backlog"], platform["companyId"]) == (5, None)
    one = await client.get(
        "/system/outbox", params={"companyId": globex.company_id}, headers=as_developer
    )
    assert one.json()["backlog"] == 2

    async with transaction(sessions) as session:  # workers admitted everything
        await session.execute(
            sa.update(OutboxEvent).values(dispatched_at=utcnow(), admitted_at=utcnow())
        )
    drained = (await client.get("/system/outbox", headers=as_developer)).json()
    assert (drained["backlog"], drained["relayLagSeconds"]) == (0, 0.0)


async def test_processes_heard_from_and_a_schedulers_last_slots(
    client, sessions, acme: Tenant, globex: Tenant, as_admin, as_developer, as_employee
) -> None:
    trigger_id = await add_trigger(
        sessions,
        acme.company_id,
        name="Every second",
        event_type=EventType.SCHEDULED,
        event_config={"interval": {"seconds": 1}},
    )
    daemon = SchedulerDaemon(sessions, AutomationSettings(), name="scheduler-under-test")
    await daemon.sync()  # loads the trigger and says it lives
    # Its first slot comes due a second after the trigger was made: claim it as of then.
    await fire_due_slots(
        sessions, trigger_id, claimed_by=daemon.name, now=utcnow() + timedelta(seconds=1.5)
    )

    listed = await client.get("/system/processes", headers=as_developer)
    assert listed.status_code == 200, listed.text
    [seen] = listed.json()["items"]
    assert (seen["name"], seen["kind"], seen["alive"]) == (
        "scheduler-under-test",
        "scheduler",
        True,
    )
    assert seen["details"] == {"scheduledTriggers": 1}
    [slot] = seen["lastSlots"]
    assert (slot["triggerId"], slot["triggerName"]) == (trigger_id, "Every second")

    admin_view = (await client.get("/system/processes", headers=as_admin)).json()["items"]
    assert [p["lastSlots"][0]["triggerId"] for p in admin_view] == [trigger_id]
    assert admin_view[0]["details"] == {}  # counts over every company are the platform's
    globex_view = await client.get(
        "/system/processes", headers=auth_headers(globex.users[UserRole.ADMIN])
    )
    assert [p["lastSlots"] for p in globex_view.json()["items"]] == [[]]

    workers = await client.get("/system/processes", params={"kind": "worker"}, headers=as_admin)
    assert workers.json()["items"] == []
    bad = await client.get("/system/processes", params={"kind": "cook"}, headers=as_admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "query:kind"
    for path in ("/system/processes", "/system/outbox"):
        refused = await client.get(path, headers=as_employee)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
