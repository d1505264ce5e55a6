"""Walk every route of the OpenAPI document with another company's ids: nothing is read,
changed or even confirmed to exist across companies (on PostgreSQL, where row-level security
backs the ORM's filters), nothing listed or read across companies on embedded SQLite."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.auth.tokens import issue_access_token
from core.database import create_engine, session_factory
from core.models import (
    Base,
    CustomTable,
    CustomTableRecord,
    Dataset,
    EmailTemplate,
    EventType,
    File,
    Flow,
    FlowBranch,
    FlowInstance,
    FlowLevel,
    FlowLevelTask,
    Integration,
    IntegrationType,
    IntegrationWorkflow,
    Task,
    TaskExecution,
    Trigger,
    UserRole,
)
from tests.world.app import SECRET, make_settings
from tests.world.databases import embedded_database
from tests.world.tenants import Tenant, make_tenant

PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


async def fill_company(sessions, tenant: Tenant) -> None:
    """One row of every tenant-owned kind in `tenant`'s company."""
    cid = tenant.company.id
    author = tenant.users[UserRole.ADMIN].id
    async with sessions.begin() as s:
        task = Task(
            name="Secret form",
            fields=[{"id": "f", "type": "text", "label": "F"}],
            company_id=cid,
            created_by_id=author,
        )
        flow = Flow(name="Secret flow", company_id=cid, created_by_id=author)
        table = CustomTable(
            name="secrets",
            display_name="Secrets",
            company_id=cid,
            schema=[{"id": "n", "type": "text", "label": "N"}],
        )
        integration = Integration(
            name="Hook",
            type=IntegrationType.WEBHOOK,
            company_id=cid,
            config={"url": "https://example.invalid"},
        )
        s.add_all([task, flow, table, integration])
        await s.flush()
        level = FlowLevel(name="L1", order=1, flow_id=flow.id, company_id=cid)
        level2 = FlowLevel(name="L2", order=2, flow_id=flow.id, company_id=cid)
        s.add_all([level, level2])
        await s.flush()
        instance = FlowInstance(flow_id=flow.id, initiator_id=author, company_id=cid)
        s.add(instance)
        await s.flush()
        s.add_all(
            [
                FlowLevelTask(level_id=level.id, task_id=task.id, order=1, company_id=cid),
                FlowBranch(
                    name="B",
                    from_level_id=level.id,
                    to_level_id=level2.id,
                    conditions={},
                    flow_id=flow.id,
                    company_id=cid,
                ),
                TaskExecution(
                    task_id=task.id,
                    data={"f": "x"},
                    executor_id=author,
                    flow_instance_id=instance.id,
                    company_id=cid,
                ),
                Trigger(
                    name="T",
                    event_type=EventType.TASK_COMPLETED,
                    actions=[],
                    task_id=task.id,
                    company_id=cid,
                ),
                CustomTableRecord(table_id=table.id, data={"n": "x"}, company_id=cid),
                Dataset(name="D", sections=[], company_id=cid),
                EmailTemplate(name="E", subject="S", body="B", type="t", company_id=cid),
                IntegrationWorkflow(
                    name="W",
                    integration_id=integration.id,
                    trigger_config={},
                    action_config={},
                    company_id=cid,
                ),
                File(
                    filename="f.pdf",
                    original_name="f.pdf",
                    mimetype="application/pdf",
                    size=1,
                    path=f"{cid}/f.pdf",
                    uploaded_by=author,
                    company_id=cid,
                ),
            ]
        )


async def company_fingerprint(sessions, company_id: str) -> tuple[dict[str, int], str]:
    """Every row owned by the company (counts and a digest of their contents)."""
    counts: dict[str, int] = {}
    digest_parts = []
    async with sessions() as s:
        for table in Base.metadata.sorted_tables:
            column = "id" if table.name == "companies" else "company_id"
            if column not in table.c:
                continue
            rows = (
                await s.execute(
                    sa.select(table)
                    .where(table.c[column] == company_id)
                    .order_by(*table.primary_key.columns)
                )
            ).all()
            counts[table.name] = len(rows)
            digest_parts.append(repr(rows))
    return counts, str(hash("".join(digest_parts)))


async def foreign_ids(sessions, company_id: str) -> set[str]:
    ids: set[str] = set()
    async with sessions() as s:
        for table in Base.metadata.sorted_tables:
            if "company_id" in table.c and "id" in table.c:
                ids |= set(
                    (
                        await s.scalars(
                            sa.select(table.c.id).where(table.c.company_id == company_id)
                        )
                    ).all()
                )
    return ids | {company_id}


def walk_headers(user, company=None) -> dict[str, str]:
    """Tokens that outlast the walk (a few minutes on a slow machine)."""
    headers = {"Authorization": f"Bearer {issue_access_token(user, SECRET, timedelta(hours=2))}"}
    if company is not None:
        headers["X-Company-Id"] = company.id
    return headers


def streams(operation: dict) -> bool:
    """A server-sent event stream stays open until its token expires; its isolation is
    tests/live's."""
    return any(
        "text/event-stream" in (response.get("content") or {})
        for response in operation.get("responses", {}).values()
    )


def without_instance(response) -> str:
    """The response body without the problem's `instance` (the URL the client sent)."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict):
        body.pop("instance", None)
    return repr(body)


async def walk(client, acme: Tenant, ids: set[str], methods: tuple[str, ...]) -> tuple[int, list]:
    """Call every route of the OpenAPI document with `methods` as Acme's admin, employee and
    a developer acting in Acme, with each of another company's `ids` in its path parameters;
    how many calls were made and the ones that leaked (an id in a list, or a row confirmed)."""
    spec = (await client.get("/schema/openapi.json")).json()
    principals = {
        "admin": walk_headers(acme.users[UserRole.ADMIN]),
        "developer in acme": walk_headers(acme.users[UserRole.DEVELOPER], acme.company),
        "employee": walk_headers(acme.users[UserRole.EMPLOYEE]),
    }
    leaks = []
    checked = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            if method not in methods:
                continue
            if streams(operations[method]):
                continue
            params = PARAM.findall(path)
            for who, headers in principals.items():
                if not params:
                    if method != "get":
                        continue
                    response = await client.get(path, headers=headers)
                    checked += 1
                    if path.startswith("/companies") and who == "developer in acme":
                        continue  # developers see every company by design
                    leaked = [i for i in ids if i in response.text]
                    if leaked:
                        leaks.append((who, method, path, response.status_code))
                    continue
                for foreign in ids:
                    url = PARAM.sub(foreign, path)
                    if path.startswith("/companies/") and who == "developer in acme":
                        continue
                    response = await client.request(
                        method.upper(),
                        url,
                        headers=headers,
                        json={} if method in ("post", "put", "patch") else None,
                    )
                    checked += 1
                    if response.status_code == 404:
                        continue
                    # A request refused before any lookup (bad body, forbidden role) does not
                    # confirm existence, as long as it says nothing of the row.
                    if response.status_code in (403, 422) and foreign not in without_instance(
                        response
                    ):
                        continue
                    leaks.append((who, method, path, response.status_code))
    return checked, leaks


async def test_no_route_reaches_another_company(client, acme, globex, sessions) -> None:
    await fill_company(sessions, globex)
    await fill_company(sessions, acme)
    before = await company_fingerprint(sessions, globex.company.id)
    ids = await foreign_ids(sessions, globex.company.id)
    checked, leaks = await walk(client, acme, ids, ("get", "post", "put", "patch", "delete"))
    assert checked > 100
    assert sorted(set(leaks)) == []
    assert await company_fingerprint(sessions, globex.company.id) == before


async def test_on_sqlite_no_list_or_read_route_shows_another_companys_rows(
    tmp_path: Path,
) -> None:
    """The embedded mode has no row-level security behind the ORM's company filters: on
    SQLite they alone keep Globex's rows from Acme's people."""
    url = await embedded_database(tmp_path / "erp.db")
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        acme, globex = await make_tenant(sessions, "Acme"), await make_tenant(sessions, "Globex")
        await fill_company(sessions, globex)
        await fill_company(sessions, acme)
        before = await company_fingerprint(sessions, globex.company.id)
        ids = await foreign_ids(sessions, globex.company.id)
        app = create_app(make_settings(url, tmp_path / "files"))
        async with AsyncTestClient(app=app) as client:
            checked, leaks = await walk(client, acme, ids, ("get",))
        assert checked > 100
        assert sorted(set(leaks)) == []
        assert await company_fingerprint(sessions, globex.company.id) == before
    finally:
        await engine.dispose()
