"""/metrics and the metrics ports: Prometheus's text format for a bearer of the metrics token
only, figures by route, outbox stage, trigger status and action type, never a company's data;
the sums of every API process under `erp serve --workers 2`; a real Celery worker's and
`erp relay`'s own ports; liveness and readiness with the database and the broker away."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from api.app import create_app
from core.database import transaction
from core.metrics import SCHEDULE_SLOTS
from core.models import EventType, Trigger
from core.scheduling.claims import claim_slot
from core.settings import ObservabilitySettings, Settings
from tests.world.app import SECRET, make_settings
from tests.world.automation import add_trigger, executions, expense, record, seeded_company
from tests.world.processes import (
    SHARED_REDIS,
    VENV_BIN,
    background_env,
    celery_worker,
    erp_relay,
    post_delivery,
    relay_settings,
    webhook_endpoint,
)
from tests.world.services import eventually, free_port
from tests.world.tenants import Sessions, Tenant

TOKEN = "metrics-token-for-the-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The values of metric sample `name`, by their labels."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(
        v
        for key, v in samples(text, name).items()
        if all((k, want) in key for k, want in labels.items())
    )


@pytest.fixture
def app_settings(database_url: URL, tmp_path: Path) -> Settings:
    settings = make_settings(database_url, tmp_path / "files")
    return dataclasses.replace(settings, observability=ObservabilitySettings(metrics_token=TOKEN))


async def test_metrics_answer_only_the_bearer_of_the_token_and_name_no_company(
    client: AsyncTestClient[Any], acme: Tenant, as_admin: dict[str, str], sessions: Sessions
) -> None:
    assert (await client.get("/metrics")).status_code == 401
    assert (
        await client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    ).status_code == 401
    # The counters are the process's: other tests of this worker may have counted before.
    before = (await client.get("/metrics", headers=BEARER)).text
    assert (await client.get("/users/someone")).status_code == 401
    assert (await client.get("/users", headers=as_admin)).status_code == 200
    user_id = next(iter(acme.users.values())).id
    assert (await client.get(f"/users/{user_id}", headers=as_admin)).status_code == 200
    # An event waiting for a relay (none runs here).
    await record(sessions, acme.company.id, EventType.TASK_COMPLETED, expense(1))

    scraped = await client.get("/metrics", headers=BEARER)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    text = scraped.text
    # By route template, with refused requests counted as what they were.

    def counted(name: str, **labels: str) -> float:
        return value(text, name, **labels) - value(before, name, **labels)

    assert counted("erp_http_requests_total", path="/users/{id}", status_code="200") == 1
    assert counted("erp_http_requests_total", path="/users/{id}", status_code="401") == 1
    assert counted("erp_http_requests_total", path="/users", status_code="200") == 1
    assert counted("erp_http_request_duration_seconds_count", path="/users") == 1
    assert value(text, "erp_outbox_backlog_events", stage="waiting_for_relay") == 1
    assert value(text, "erp_outbox_backlog_events", stage="in_broker") == 0
    assert value(text, "erp_outbox_oldest_event_age_seconds", stage="waiting_for_relay") >= 0
    # Nothing of the company: no id, name, person or address.
    for secret in (acme.company.id, acme.company.name, user_id, SECRET, TOKEN):
        assert secret not in text
    assert "@" not in text


async def test_metrics_are_not_served_without_a_token(database_url: URL, tmp_path: Path) -> None:
    async with AsyncTestClient(app=create_app(make_settings(database_url, tmp_path))) as client:
        assert (await client.get("/metrics", headers=BEARER)).status_code == 404


async def test_liveness_and_readiness_say_which_dependency_is_away(
    database_url: URL, tmp_path: Path
) -> None:
    base = make_settings(database_url, tmp_path)
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(base, redis_url=SHARED_REDIS))
    ) as up:
        assert (await up.get("/health/live")).json() == {"status": "ok"}
        ready = await up.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}
        assert (await up.get("/health")).json()["status"] == "ok"  # as before

    dead_redis = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(base, redis_url=dead_redis))
    ) as c:
        ready = await c.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "unavailable" and body["checks"]["database"] == "ok"
        assert body["checks"]["broker"].startswith("unreachable")
        assert "hunter2" not in ready.text and "127.0.0.1" not in ready.text
        assert (await c.get("/health/live")).status_code == 200  # alive, only not ready

    no_database = database_url.set(port=free_port())
    async with AsyncTestClient(app=create_app(make_settings(no_database, tmp_path))) as c:
        ready = await c.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith(
            "unreachable"
        )
        assert "broker" not in ready.json()["checks"]  # no broker without REDIS_URL


async def test_a_scheduler_counts_the_slots_it_claimed_and_those_taken_before_it(
    sessions: Sessions,
) -> None:
    from datetime import UTC, datetime

    acme = await seeded_company(sessions)
    trigger_id = await add_trigger(sessions, acme.company_id, event_type=EventType.SCHEDULED)
    claimed, taken = (SCHEDULE_SLOTS.labels(o)._value.get() for o in ("claimed", "taken"))
    fire_at = datetime(2030, 1, 1, 9, tzinfo=UTC)
    for daemon in ("first", "second"):
        async with transaction(sessions) as session:
            trigger = await session.get(Trigger, trigger_id)
            assert trigger is not None
            await claim_slot(session, trigger, fire_at, claimed_by=daemon, late=False)
    assert SCHEDULE_SLOTS.labels("claimed")._value.get() == claimed + 1
    assert SCHEDULE_SLOTS.labels("taken")._value.get() == taken + 1


def _scrape(url: str) -> str:
    response = httpx.get(url, headers=BEARER, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


async def _scrape_async(url: str, headers: dict[str, str] = BEARER) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(url, headers=headers)


def test_erp_serve_with_two_workers_answers_the_sums_of_both(
    database_url: URL, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS")} | {
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "ERP_SECRET_KEY": SECRET,
        "ERP_METRICS_TOKEN": TOKEN,
        "ERP_IN_PROCESS_AUTOMATION": "false",
        "ERP_FILES_DIR": str(tmp_path / "files"),
    }
    server = subprocess.Popen(
        [str(VENV_BIN / "erp"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/health/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "erp serve did not start"
            time.sleep(0.3)
        # New connections each time: the two processes share the socket, both answer.
        for _ in range(40):
            assert httpx.get(base + "/health/ready", timeout=10).status_code == 200
        for _ in range(4):  # whichever process answers, it answers for both
            text = _scrape(base + "/metrics")
            assert value(text, "erp_http_requests_total", path="/health/ready") == 40
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)


async def test_a_celery_worker_and_erp_relay_open_their_own_metrics_ports(
    sessions: Sessions, database_url: URL
) -> None:
    acme = await seeded_company(sessions)
    worker_port, relay_port = free_port(), free_port()
    env = background_env(
        database_url,
        SHARED_REDIS,
        ERP_METRICS_TOKEN=TOKEN,
        ERP_WORKER_METRICS_PORT=str(worker_port),
        ERP_RELAY_METRICS_PORT=str(relay_port),
    )
    worker = celery_worker(env).start()
    relay = erp_relay(env).start()
    try:
        async with AsyncTestClient(app=create_app(relay_settings(env))) as client:
            trigger_id, path, secret = await webhook_endpoint(sessions, acme.company_id)
            for n in range(3):
                await post_delivery(client, path, secret, f"msg-{n}")
            await eventually(lambda: _three(sessions, trigger_id), within=60)
        worker_url = f"http://127.0.0.1:{worker_port}/metrics"
        assert (await _scrape_async(worker_url, headers={})).status_code == 401
        # The pool's process ran the actions; the main process's port adds its files up.
        text = await eventually(lambda: _worker_counted(worker_url), within=20)
        assert value(text, "erp_action_attempts_total", action="noop", outcome="success") == 3
        assert value(text, "erp_trigger_execution_seconds_count", status="SUCCESS") == 3
        relayed = (await _scrape_async(f"http://127.0.0.1:{relay_port}/metrics")).text
        assert value(relayed, "erp_relay_events_sent_total", kind="first") >= 3
        assert acme.company_id not in text + relayed
    finally:
        relay.stop()
        worker.stop()


async def _three(sessions: Sessions, trigger_id: str) -> bool:
    return len(await executions(sessions, trigger_id)) >= 3


async def _worker_counted(url: str) -> str | None:
    text = (await _scrape_async(url)).text
    return text if value(text, "erp_trigger_executions_total", status="SUCCESS") >= 3 else None


def test_metrics_settings_refuse_a_short_token_and_a_port_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.errors import ConfigurationError

    monkeypatch.chdir(tmp_path)  # the embedded default keeps its secret in the directory
    from core.settings import load_settings

    with pytest.raises(ConfigurationError, match="at least 16"):
        load_settings({"ERP_METRICS_TOKEN": "short"})
    with pytest.raises(ConfigurationError, match="ERP_RELAY_METRICS_PORT needs ERP_METRICS_TOKEN"):
        load_settings({"ERP_RELAY_METRICS_PORT": "9102"})
    with pytest.raises(ConfigurationError, match="TCP port"):
        load_settings({"ERP_METRICS_TOKEN": TOKEN, "ERP_WORKER_METRICS_PORT": "70000"})
    settings = load_settings({"ERP_METRICS_TOKEN": TOKEN, "ERP_WORKER_METRICS_PORT": "9101"})
    assert settings.observability.worker_metrics_port == 9101
    assert TOKEN not in repr(settings)
