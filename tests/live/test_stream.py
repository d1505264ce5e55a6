"""Live updates: a user hears of their company's flow work and their own notifications as
they commit, and never of another company's or another user's."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from core.auth.tokens import issue_access_token
from core.database import create_engine, session_factory
from core.flows import cancel, reassign, reject
from core.live import LiveHub
from core.models import EventType, UserRole
from core.models.automation import Notification
from core.models.events import OutboxEvent
from core.settings import Settings
from tests.world.app import SECRET, make_settings
from tests.world.flows import expense_company, in_company, published_flow, start, submit_expense
from tests.world.tenants import PASSWORD, Tenant


async def _task_started(sessions, tenant: Tenant, instance_id: str = "inst-1") -> None:
    async with sessions.begin() as session:
        session.add(
            OutboxEvent(
                company_id=tenant.company.id,
                event_type=EventType.TASK_STARTED,
                payload={"instanceId": instance_id},
            )
        )


async def _notification(sessions, tenant: Tenant, role: UserRole, title: str) -> None:
    async with sessions.begin() as session:
        session.add(
            Notification(company_id=tenant.company.id, user_id=tenant.users[role].id, title=title)
        )


def _drain(subscription) -> list[tuple[str, dict]]:
    events = []
    while not subscription.queue.empty():
        event = subscription.queue.get_nowait()
        events.append((event.name, event.data))
    return events


async def test_each_subscriber_hears_only_its_company_and_its_own_notifications(
    sessions, acme: Tenant, globex: Tenant
) -> None:
    hub = LiveHub(sessions, poll_seconds=3600)  # polled by hand below
    employee, manager = acme.users[UserRole.EMPLOYEE], acme.users[UserRole.MANAGER]
    other = globex.users[UserRole.EMPLOYEE]
    with (
        hub.subscribe(acme.company.id, employee.id) as mine,
        hub.subscribe(acme.company.id, manager.id) as colleague,
        hub.subscribe(globex.company.id, other.id) as stranger,
    ):
        await _task_started(sessions, acme, "inst-acme")
        await _notification(sessions, acme, UserRole.EMPLOYEE, "Your expense was approved")
        await hub.poll()

        mine_events = _drain(mine)
        assert [name for name, _ in mine_events] == ["inbox", "notification"]
        assert mine_events[0][1] == {
            "event": "TASK_STARTED",
            "flowId": None,
            "instanceId": "inst-acme",
        }
        assert mine_events[1][1]["title"] == "Your expense was approved"
        # The manager sees the company's flow work, not the employee's notification.
        assert [name for name, _ in _drain(colleague)] == ["inbox"]
        assert _drain(stranger) == []
    await hub.stop()


async def test_rows_are_handed_out_once_and_rolled_back_work_never(sessions, acme: Tenant) -> None:
    hub = LiveHub(sessions, poll_seconds=3600)
    employee = acme.users[UserRole.EMPLOYEE]
    with hub.subscribe(acme.company.id, employee.id) as mine:
        await _task_started(sessions, acme)
        assert await hub.poll() == 1
        assert await hub.poll() == 0  # still within the look-back window: not sent again

        with pytest.raises(RuntimeError):
            async with sessions.begin() as session:
                session.add(
                    Notification(company_id=acme.company.id, user_id=employee.id, title="gone")
                )
                await session.flush()
                raise RuntimeError("the change fails")
        assert await hub.poll() == 0
        assert [name for name, _ in _drain(mine)] == ["inbox"]
    await hub.stop()


async def test_the_stream_carries_my_updates_and_ends_with_my_token(
    client: AsyncTestClient, database_url, acme: Tenant, globex: Tenant
) -> None:
    employee = acme.users[UserRole.EMPLOYEE]
    token = issue_access_token(employee, SECRET, timedelta(seconds=4))

    async def changes() -> None:
        # Another process's commits, as a worker's would be: its own engine and event loop
        # (the test client holds this loop while the stream is open).
        engine = create_engine(database_url, poolclass=sa.NullPool)
        sessions = session_factory(engine)
        await asyncio.sleep(1.0)
        await _notification(sessions, acme, UserRole.EMPLOYEE, "For me")
        await _notification(sessions, acme, UserRole.MANAGER, "For my manager")
        await _notification(sessions, globex, UserRole.EMPLOYEE, "For another company")
        await _task_started(sessions, globex, "inst-globex")
        await _task_started(sessions, acme, "inst-acme")
        await engine.dispose()

    writer = threading.Thread(target=asyncio.run, args=(changes(),))
    writer.start()
    response = await client.get("/stream", headers={"Authorization": f"Bearer {token}"})
    writer.join()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    body = response.text
    assert ": ready" in body
    assert "event: notification" in body and '"title": "For me"' in body
    assert "event: inbox" in body and "inst-acme" in body
    assert "For my manager" not in body
    assert "For another company" not in body and "inst-globex" not in body


async def test_a_developer_streams_the_company_they_act_in(
    client: AsyncTestClient, acme: Tenant
) -> None:
    developer = acme.users[UserRole.DEVELOPER]
    token = issue_access_token(developer, SECRET, timedelta(minutes=5))
    response = await client.get("/stream", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json()["code"] == "company_required"


async def test_cors_is_off_unless_origins_are_configured(database_url, tmp_path) -> None:
    from api.app import create_app

    preflight = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,x-company-id",
    }
    closed = create_app(make_settings(database_url, tmp_path))
    async with AsyncTestClient(app=closed) as c:
        answer = await c.options("/inbox", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers

    base = make_settings(database_url, tmp_path)
    settings = Settings(
        **{
            **{f: getattr(base, f) for f in base.__dataclass_fields__},
            "cors_origins": ("https://app.example.com",),
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as c:
        answer = await c.options("/inbox", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "x-company-id" in answer.headers["access-control-allow-headers"].lower()
        other = await c.options("/inbox", headers={**preflight, "Origin": "https://evil.test"})
        assert other.headers.get("access-control-allow-origin") != "https://evil.test"


async def test_the_stream_ends_when_its_sign_in_ends(
    client: AsyncTestClient, database_url, acme: Tenant, monkeypatch
) -> None:
    """Signing out elsewhere (here: the sign-in's refresh tokens revoked by another process)
    ends the open stream at its next heartbeat, long before the access token expires."""
    from api.live import routes
    from core.auth.service import end_session
    from core.models import RefreshToken

    monkeypatch.setattr(routes, "HEARTBEAT_SECONDS", 0.5)
    signed_in = await client.post(
        "/auth/login", json={"email": "employee@acme.test", "password": PASSWORD}
    )
    tokens = signed_in.json()

    async def sign_out_elsewhere() -> None:
        engine = create_engine(database_url, poolclass=sa.NullPool)
        sessions = session_factory(engine)
        await asyncio.sleep(1.0)
        async with sessions.begin() as session:
            family = await session.scalar(
                sa.select(RefreshToken.family_id).where(
                    RefreshToken.user_id == acme.users[UserRole.EMPLOYEE].id
                )
            )
            await end_session(session, family)
        await engine.dispose()

    writer = threading.Thread(target=asyncio.run, args=(sign_out_elsewhere(),))
    writer.start()
    response = await asyncio.wait_for(
        client.get("/stream", headers={"Authorization": f"Bearer {tokens['accessToken']}"}),
        timeout=30,
    )
    writer.join()
    assert response.status_code == 200
    assert ": ready" in response.text and ": heartbeat" in response.text
    assert tokens["expiresIn"] >= 600  # the token itself would have lived for minutes


async def test_history_no_event_announces_reaches_the_company_once(sessions) -> None:
    """Cancelled, rejected for good and reassigned: no outbox event says so, the history does,
    and the hub hands each on as `inbox` work of the company (once), to nobody else."""
    acme = await expense_company(sessions)
    globex = await expense_company(sessions, "Globex")
    flow_id = await published_flow(sessions, acme)
    hub = LiveHub(sessions, poll_seconds=3600)
    with (
        hub.subscribe(acme.company_id, acme.users["employee"].id) as employee,
        hub.subscribe(globex.company_id, globex.users["employee"].id) as stranger,
    ):
        await hub.poll()  # the company's flow and forms, made above
        _drain(employee)
        cancelled = (await start(sessions, acme, flow_id)).id
        rejected = (await start(sessions, acme, flow_id)).id
        handed = (await start(sessions, acme, flow_id)).id
        for instance in (rejected, handed):
            await submit_expense(sessions, acme, instance)
        await hub.poll()
        _drain(employee)

        await in_company(
            sessions, acme, cancel, instance_id=cancelled, user_id=acme.users["employee"].id
        )
        await in_company(
            sessions,
            acme,
            reject,
            instance_id=rejected,
            user_id=acme.users["manager"].id,
            comment="Not this one",
        )
        await in_company(
            sessions,
            acme,
            reassign,
            instance_id=handed,
            user_id=acme.users["manager"].id,
            to_user_id=acme.users["clerk"].id,
            comment="You know this supplier",
        )
        await hub.poll()
        heard = {(data["instanceId"], data["event"]) for name, data in _drain(employee)}
        assert {
            (cancelled, "CANCELLED"),
            (rejected, "FAILED"),
            (handed, "REASSIGNED"),
        } <= heard, heard
        assert await hub.poll() == 0
        assert _drain(stranger) == []
    await hub.stop()


async def test_a_new_subscriber_first_hears_what_the_last_seconds_brought(
    sessions, acme: Tenant
) -> None:
    employee, manager = acme.users[UserRole.EMPLOYEE], acme.users[UserRole.MANAGER]
    hub = LiveHub(sessions, poll_seconds=3600)
    with hub.subscribe(acme.company.id, employee.id) as early:
        await _task_started(sessions, acme, "inst-before")
        await _notification(sessions, acme, UserRole.EMPLOYEE, "For the employee")
        await hub.poll()
        assert len(_drain(early)) == 2
        # The manager's page loaded just before its stream connected.
        with hub.subscribe(acme.company.id, manager.id) as late:
            assert _drain(late) == [
                ("inbox", {"event": "TASK_STARTED", "flowId": None, "instanceId": "inst-before"})
            ]
    await hub.stop()

    forgetful = LiveHub(sessions, poll_seconds=3600, replay_seconds=0)
    with forgetful.subscribe(acme.company.id, employee.id) as first:
        await _task_started(sessions, acme, "inst-later")
        await forgetful.poll()
        assert [data["instanceId"] for _, data in _drain(first)] == ["inst-later"]
        with forgetful.subscribe(acme.company.id, manager.id) as second:
            assert _drain(second) == []
    await forgetful.stop()
