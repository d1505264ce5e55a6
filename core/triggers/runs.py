"""Trigger runs in the database: claiming (the idempotency key), leasing (one worker at a
time), progress, and finishing with the TriggerExecution in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Base, TriggerExecution, TriggerExecutionStatus, new_id, utcnow
from core.models.automation import TriggerRun

log = logging.getLogger("erp.triggers")

DONE = "done"
PENDING = "pending"

# Core statements on the tables, built once: runs are claimed and finished for every event,
# and the ORM's bulk paths and statement building cost more than the database work.
RUNS = Base.metadata.tables[TriggerRun.__tablename__]
EXECUTIONS = Base.metadata.tables[TriggerExecution.__tablename__]
_CLAIM_RUNS = (
    sqlite.insert(RUNS)
    .on_conflict_do_nothing(index_elements=["trigger_id", "idempotency_key"])
    .returning(RUNS.c.id, RUNS.c.trigger_id, RUNS.c.idempotency_key)
)
# PostgreSQL: a batch's runs as one JSON parameter (binding a dozen parameters per row cost
# more than inserting the rows).
_CLAIM_RUNS_AT_ONCE = sa.text(
    """
    INSERT INTO trigger_runs (id, company_id, trigger_id, event_id, idempotency_key, status,
        blocked_reason, conditions_met, condition_result, chain_depth, action_results,
        not_before, lease_owner, lease_until, deliveries, retry_of, created_at, updated_at)
    SELECT id, company_id, trigger_id, event_id, idempotency_key, status, blocked_reason,
        conditions_met, condition_result, chain_depth, action_results, not_before,
        lease_owner, lease_until, deliveries, retry_of, created_at, updated_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        id varchar, company_id varchar, trigger_id varchar, event_id varchar,
        idempotency_key varchar, status varchar, blocked_reason varchar,
        conditions_met boolean, condition_result jsonb, chain_depth integer,
        action_results jsonb, not_before timestamptz, lease_owner varchar,
        lease_until timestamptz, deliveries integer, retry_of varchar,
        created_at timestamptz, updated_at timestamptz)
    ON CONFLICT (trigger_id, idempotency_key) DO NOTHING
    RETURNING id, trigger_id, idempotency_key
    """
).bindparams(sa.bindparam("rows", type_=sa.String()))
_INSERT_EXECUTIONS = sa.insert(EXECUTIONS)
_LINK_EXECUTIONS = (
    sa.update(RUNS)
    .where(RUNS.c.id == sa.bindparam("run_id"))
    .values(execution_id=sa.bindparam("execution_id"))
)
_CLOSE_RUNS = (
    sa.update(RUNS)
    .where(
        RUNS.c.id.in_(sa.bindparam("run_ids", expanding=True)),
        RUNS.c.lease_owner == sa.bindparam("owner"),
        RUNS.c.status != DONE,
    )
    .values(status=DONE, lease_owner=None, lease_until=None, updated_at=sa.bindparam("now"))
    .returning(RUNS.c.id)
)
_RECORD_RESULTS = (
    sa.update(RUNS)
    .where(RUNS.c.id == sa.bindparam("run_id"))
    .values(
        action_results=sa.bindparam("action_results"),
        execution_id=sa.bindparam("execution_id"),
    )
)


@dataclass(slots=True)
class Run:
    """A claimed run as an engine holds it while running its actions: a plain object, not
    an ORM row (building and tracking those cost more than the actions of a simple trigger).
    `action_results` is the progress the engine stores back."""

    id: str
    company_id: str
    trigger_id: str
    event_id: str
    conditions_met: bool
    condition_result: dict[str, Any]
    action_results: list[Any]
    not_before: datetime
    created_at: datetime


_RUN_COLUMNS = [RUNS.c[f.name] for f in fields(Run)]


@dataclass(slots=True)
class NewRun:
    """A run decided by admission, before it is inserted."""

    trigger_id: str
    company_id: str
    event_id: str
    idempotency_key: str
    chain_depth: int
    conditions_met: bool
    condition_result: dict[str, Any]
    blocked_reason: str | None
    not_before: datetime
    event_data: dict[str, Any]
    retry_of: str | None = None

    @property
    def final(self) -> bool:
        """Nothing to run: the conditions did not hold, or the run is blocked."""
        return not self.conditions_met or self.blocked_reason is not None


async def insert_runs(
    session: AsyncSession, runs: Sequence[NewRun], *, owner: str | None, lease_seconds: float
) -> dict[tuple[str, str], str]:
    """Insert the runs that do not exist yet; final ones are inserted done with their
    execution. Runs to execute are inserted leased to `owner` (or free for any worker when
    `owner` is None). Returns {(trigger id, key): run id} of the rows this call inserted (a
    redelivered event inserts nothing)."""
    if not runs:
        return {}
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "company_id": r.company_id,
            "trigger_id": r.trigger_id,
            "event_id": r.event_id,
            "idempotency_key": r.idempotency_key,
            "status": DONE if r.final else PENDING,
            "blocked_reason": r.blocked_reason,
            "conditions_met": r.conditions_met,
            "condition_result": r.condition_result,
            "chain_depth": r.chain_depth,
            "action_results": [],
            "not_before": r.not_before,
            "lease_owner": None if r.final or owner is None else owner,
            "lease_until": None
            if r.final or owner is None
            else now + timedelta(seconds=lease_seconds),
            "deliveries": 0 if r.final or owner is None else 1,
            "retry_of": r.retry_of,
            "created_at": now,
            "updated_at": now,
        }
        for r in runs
    ]
    if session.get_bind().dialect.name == "postgresql":
        claimed = await session.execute(
            _CLAIM_RUNS_AT_ONCE, {"rows": msgspec.json.encode(rows).decode()}
        )
    else:
        # One statement with a parameter list (not a multi-row VALUES built per batch), so
        # it compiles once and stays cached whatever the batch size.
        claimed = await session.execute(_CLAIM_RUNS, rows)
    inserted = {(row.trigger_id, row.idempotency_key): row.id for row in claimed.all()}
    finals = [r for r in runs if r.final and (r.trigger_id, r.idempotency_key) in inserted]
    if finals:
        executions = []
        links = []
        for r in finals:
            execution_id = new_id()
            executions.append(
                {
                    "id": execution_id,
                    "company_id": r.company_id,
                    "trigger_id": r.trigger_id,
                    "event_data": r.event_data,
                    "conditions_met": r.conditions_met,
                    "condition_result": r.condition_result,
                    "actions_executed": [],
                    "status": TriggerExecutionStatus.SUCCESS
                    if r.blocked_reason is None
                    else TriggerExecutionStatus.FAILED,
                    "error_message": r.blocked_reason,
                    "execution_time": 0,
                    "executed_at": now,
                }
            )
            links.append(
                {
                    "run_id": inserted[(r.trigger_id, r.idempotency_key)],
                    "execution_id": execution_id,
                }
            )
        await session.execute(_INSERT_EXECUTIONS, executions)
        await session.execute(_LINK_EXECUTIONS, links)
        _log_finals(finals, links)
    return inserted


def _log_finals(finals: list[NewRun], links: list[dict[str, str]]) -> None:
    """A blocked run is worth a warning (why its actions did not run); a run whose
    conditions did not hold, a debug line."""
    for run, link in zip(finals, links, strict=True):
        ids = {
            "event_id": run.event_id,
            "trigger_id": run.trigger_id,
            "run_id": link["run_id"],
            "execution_id": link["execution_id"],
        }
        if run.blocked_reason is not None:
            log.warning(
                "execution %s of trigger %s for event %s: FAILED, %s",
                link["execution_id"],
                run.trigger_id,
                run.event_id,
                run.blocked_reason,
                extra={**ids, "status": TriggerExecutionStatus.FAILED.value},
            )
        elif log.isEnabledFor(logging.DEBUG):
            log.debug(
                "execution %s of trigger %s for event %s: conditions not met",
                link["execution_id"],
                run.trigger_id,
                run.event_id,
                extra={**ids, "status": TriggerExecutionStatus.SUCCESS.value},
            )


async def lease_runs(
    session: AsyncSession,
    *,
    owner: str,
    lease_seconds: float,
    run_ids: Sequence[str] = (),
    keys: Sequence[tuple[str, str]] = (),
) -> list[Run]:
    """Take the lease of open runs (by id or by (trigger id, key)) that nobody holds."""
    if not run_ids and not keys:
        return []
    now = utcnow()
    which = []
    if run_ids:
        which.append(TriggerRun.id.in_(run_ids))
    if keys:
        which.append(sa.tuple_(TriggerRun.trigger_id, TriggerRun.idempotency_key).in_(keys))
    statement = (
        sa.update(TriggerRun)
        .where(
            sa.or_(*which),
            TriggerRun.status != DONE,
            sa.or_(TriggerRun.lease_until.is_(None), TriggerRun.lease_until < now),
        )
        .values(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds),
            deliveries=TriggerRun.deliveries + 1,
            updated_at=now,
        )
        .returning(*_RUN_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    return [Run(*row) for row in (await session.execute(statement)).all()]


async def save_progress(
    session: AsyncSession,
    run: Run,
    *,
    owner: str,
    lease_seconds: float,
    release_until: datetime | None = None,
) -> bool:
    """Store the action results; keep the lease, or give it up until `release_until` (a
    retry waiting for its backoff). False when the lease was lost to another worker."""
    now = utcnow()
    values: dict[str, Any] = {"action_results": list(run.action_results), "updated_at": now}
    if release_until is None:
        values["lease_until"] = now + timedelta(seconds=lease_seconds)
    else:
        values.update(lease_owner=None, lease_until=None, not_before=release_until)
    result = await session.execute(
        _update().where(TriggerRun.id == run.id, TriggerRun.lease_owner == owner).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(slots=True)
class Finished:
    """A run whose actions are done, with what its TriggerExecution records."""

    run: Run
    event_data: dict[str, Any]
    status: TriggerExecutionStatus
    error_message: str | None
    execution_time_ms: int


# PostgreSQL: the runs of a batch are closed and their executions recorded in one
# statement, the batch passed as one JSON parameter (per-row parameters cost more to bind
# than the statement costs to run). The execution rows and the runs' references to them are
# written by the same statement, whose foreign key checks run at its end.
_FINISH_RUNS = sa.text(
    """
    WITH done AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS d(
            run_id varchar, execution_id varchar, event_data jsonb, actions jsonb,
            status text, error_message text, execution_time integer)
    ),
    closed AS (
        UPDATE trigger_runs AS r
        SET status = 'done', lease_owner = NULL, lease_until = NULL, updated_at = :now,
            action_results = d.actions, execution_id = d.execution_id
        FROM done AS d
        WHERE r.id = d.run_id AND r.lease_owner = :owner AND r.status <> 'done'
        RETURNING r.id, r.company_id, r.trigger_id, r.conditions_met, r.condition_result,
            d.execution_id, d.event_data, d.actions, d.status, d.error_message,
            d.execution_time
    ),
    recorded AS (
        INSERT INTO trigger_executions (id, company_id, trigger_id, event_data, conditions_met,
            condition_result, actions_executed, status, error_message, execution_time,
            executed_at)
        SELECT execution_id, company_id, trigger_id, event_data, conditions_met,
            condition_result, actions, CAST(status AS triggerexecutionstatus),
            error_message, execution_time, :now
        FROM closed
    )
    SELECT id, execution_id FROM closed
    """
).bindparams(
    sa.bindparam("rows", type_=sa.String()),
    sa.bindparam("owner", type_=sa.String()),
    sa.bindparam("now", type_=EXECUTIONS.c.executed_at.type),
)


async def finish_runs(
    session: AsyncSession, finished: Sequence[Finished], *, owner: str
) -> dict[str, str]:
    """Close the runs still leased to `owner` and record their executions, in the caller's
    transaction (one statement on PostgreSQL, three on SQLite, however many runs). Returns
    {run id: execution id}; a run another worker took over is left to that worker, which
    records it."""
    if not finished:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        rows = [
            {
                "run_id": f.run.id,
                "execution_id": new_id(),
                "event_data": f.event_data,
                "actions": f.run.action_results,
                "status": f.status.value,
                "error_message": f.error_message,
                "execution_time": f.execution_time_ms,
            }
            for f in finished
        ]
        closed = await session.execute(
            _FINISH_RUNS,
            {"rows": msgspec.json.encode(rows).decode(), "owner": owner, "now": utcnow()},
        )
        return {run_id: execution_id for run_id, execution_id in closed.all()}
    owned = set(
        (
            await session.scalars(
                _CLOSE_RUNS,
                {"run_ids": [f.run.id for f in finished], "owner": owner, "now": utcnow()},
            )
        ).all()
    )
    recorded = {f.run.id: new_id() for f in finished if f.run.id in owned}
    if not recorded:
        return {}
    now = utcnow()
    done = [f for f in finished if f.run.id in recorded]
    await session.execute(
        _INSERT_EXECUTIONS,
        [
            {
                "id": recorded[f.run.id],
                "company_id": f.run.company_id,
                "trigger_id": f.run.trigger_id,
                "event_data": f.event_data,
                "conditions_met": f.run.conditions_met,
                "condition_result": f.run.condition_result,
                "actions_executed": list(f.run.action_results),
                "status": f.status,
                "error_message": f.error_message,
                "execution_time": f.execution_time_ms,
                "executed_at": now,
            }
            for f in done
        ],
    )
    await session.execute(
        _RECORD_RESULTS,
        [
            {
                "run_id": f.run.id,
                "action_results": list(f.run.action_results),
                "execution_id": recorded[f.run.id],
            }
            for f in done
        ],
    )
    return recorded


async def renew_leases(
    session: AsyncSession, run_ids: Sequence[str], *, owner: str, lease_seconds: float
) -> int:
    """Extend the leases `owner` still holds on these open runs; returns how many. A live
    worker renews while it runs them, so the lease can be short: it bounds how long the
    runs of a worker that died wait for another, not how long an action may take."""
    if not run_ids:
        return 0
    renewed = await session.execute(
        _update()
        .where(
            TriggerRun.id.in_(list(run_ids)),
            TriggerRun.lease_owner == owner,
            TriggerRun.status != DONE,
        )
        .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
    )
    return int(getattr(renewed, "rowcount", 0) or 0)


async def release_lease(session: AsyncSession, run_id: str, owner: str) -> None:
    """Give a run back (it is not due yet)."""
    await session.execute(
        _update()
        .where(TriggerRun.id == run_id, TriggerRun.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


async def runs_to_redeliver(
    session: AsyncSession, *, stale_seconds: float, limit: int = 200
) -> list[str]:
    """Open runs that nobody holds and that have been due for `stale_seconds` already: their
    message was lost (a worker killed, a broker restarted) or never sent. Their `not_before`
    moves to now, so each is sent again at most once per `stale_seconds`."""
    now = utcnow()
    unheld = sa.or_(TriggerRun.lease_until.is_(None), TriggerRun.lease_until < now)
    ids = list(
        (
            await session.scalars(
                sa.select(TriggerRun.id)
                .where(
                    TriggerRun.status != DONE,
                    TriggerRun.not_before <= now - timedelta(seconds=stale_seconds),
                    unheld,
                )
                .order_by(TriggerRun.not_before)
                .limit(limit)
            )
        ).all()
    )
    if ids:
        await session.execute(_update().where(TriggerRun.id.in_(ids)).values(not_before=now))
    return ids


def _update() -> sa.Update:
    # Plain UPDATEs: the rows are not loaded in the session, so nothing needs synchronising.
    return sa.update(TriggerRun).execution_options(synchronize_session=False)
