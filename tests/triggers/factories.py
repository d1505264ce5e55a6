"""Test data and real local services shared by the trigger and scheduler tests: the seed's
Acme company with its expense task, CFO and email template; an SMTP server (aiosmtpd) and an
HTTP receiver, both on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.events import record_event
from core.models import (
    Company,
    EmailTemplate,
    EventType,
    Task,
    TaskStatus,
    Trigger,
    TriggerExecution,
    User,
    UserRole,
)

Sessions = async_sessionmaker[AsyncSession]

EXPENSE_FIELDS = [
    {"id": "field_1", "type": "text", "label": "Employee Name", "required": True},
    {"id": "field_2", "type": "number", "label": "Amount", "required": True},
    {
        "id": "field_3",
        "type": "dropdown",
        "label": "Category",
        "required": True,
        "options": ["Travel", "Office Supplies", "Equipment"],
    },
    {"id": "field_4", "type": "file", "label": "Receipt", "required": True},
]
HIGH_VALUE_BODY = """
        Hello,

        A high-value expense request has been submitted:

        Employee: {{employee_name}}
        Amount: ${{amount}}
        Category: {{category}}

        Please review at: {{link_to_task}}
      """
HIGH_VALUE_CONDITIONS = {
    "operator": "AND",
    "rules": [{"field": "Amount", "operator": "greater_than", "value": 10000}],
}
HIGH_VALUE_ACTIONS = [
    {
        "type": "send_email",
        "config": {
            "to": "cfo@acme.com",
            "subject": "High-value expense requires review",
            "template": "high_value_expense",
        },
    }
]


@dataclass
class Acme:
    company_id: str
    developer_id: str
    cfo_id: str
    task_id: str


async def seed_acme(sessions: Sessions) -> Acme:
    """The seed script's company, users, expense task and email template."""
    async with transaction(sessions) as session:
        company = Company(name="Acme Corporation", domain=None)
        session.add(company)
        await session.flush()
        developer = User(
            email=f"developer-{company.id[:8]}@erpbuilder.com",
            password="x",
            role=UserRole.DEVELOPER,
            company_id=company.id,
        )
        cfo = User(
            email=f"cfo-{company.id[:8]}@acme.com",
            password="x",
            first_name="Carla",
            role=UserRole.ADMIN,
            company_id=company.id,
        )
        session.add_all([developer, cfo])
        await session.flush()
        task = Task(
            name="Expense Approval Form",
            status=TaskStatus.PUBLISHED,
            company_id=company.id,
            created_by_id=developer.id,
            fields=EXPENSE_FIELDS,
        )
        session.add(task)
        session.add(
            EmailTemplate(
                company_id=company.id,
                name="High Value Expense Alert",
                type="high_value_expense",
                subject="High-value expense requires your review",
                body=HIGH_VALUE_BODY,
                variables=["employee_name", "amount", "category", "link_to_task"],
            )
        )
        await session.flush()
        return Acme(company.id, developer.id, cfo.id, task.id)


async def add_trigger(sessions: Sessions, company_id: str, **values: Any) -> str:
    values.setdefault("name", "test trigger")
    values.setdefault("event_type", EventType.TASK_COMPLETED)
    values.setdefault("actions", [{"type": "noop"}])
    async with transaction(sessions) as session:
        trigger = Trigger(company_id=company_id, **values)
        session.add(trigger)
        await session.flush()
        return trigger.id


async def add_table(sessions: Sessions, company_id: str, name: str, schema: list[Any]) -> str:
    """A custom table of the company (through the records service, as the API makes one)."""
    from core.records import create_table

    async with transaction(sessions, company_id=company_id) as session:
        table = await create_table(
            session, company_id=company_id, name=name, display_name=name.title(), schema=schema
        )
        return table.id


async def record(
    sessions: Sessions, company_id: str, event_type: EventType, payload: dict[str, Any], **kw: Any
) -> str:
    """Commit one event through the outbox, as the services that cause events do."""
    async with transaction(sessions) as session:
        return record_event(session, event_type, company_id=company_id, payload=payload, **kw)


def expense(amount: int, name: str = "Jane Doe", category: str = "Travel") -> dict[str, Any]:
    """A TASK_COMPLETED payload for the expense task: submitted values keyed by field id."""
    return {
        "executionId": "exec-" + name.replace(" ", "-").lower(),
        "link_to_task": "https://erp.example/tasks/expense",
        "data": {"field_1": name, "field_2": amount, "field_3": category, "field_4": "r.pdf"},
    }


async def executions(sessions: Sessions, trigger_id: str | None = None) -> list[TriggerExecution]:
    async with sessions() as session:
        query = sa.select(TriggerExecution).order_by(TriggerExecution.executed_at)
        if trigger_id is not None:
            query = query.where(TriggerExecution.trigger_id == trigger_id)
        return list((await session.scalars(query)).all())


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float = 30.0, every: float = 0.05
) -> Any:
    """Poll until `check()` returns something truthy (waiting on other processes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {within}s (last: {result!r})")
        await asyncio.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """Messages received by the loopback SMTP server."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1, in its own thread."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class HttpReceiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers with the queued
    status codes (200 once the queue is empty). `hold` keeps requests waiting until
    released (a request in flight when a worker is killed)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                receiver.requests.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(raw) if raw else None,
                    )
                )
                receiver.arrived.set()
                receiver.hold.wait(60)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"ok": status < 400}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PUT = do_GET = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> HttpReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
