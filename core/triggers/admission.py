"""Admission of events: for each matching trigger, evaluate its conditions once, apply the
chain depth limit and the rate limit, and claim the run under its idempotency key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.models import OutboxEvent, Trigger, as_utc, utcnow
from core.models.automation import TriggerRun
from core.settings import AutomationSettings
from core.triggers.actions import EventInfo
from core.triggers.conditions import Fields, evaluate_conditions, event_variables
from core.triggers.matching import FieldsKey, fields_for_runs, triggers_for_events
from core.triggers.runs import NewRun, Run, insert_runs, lease_runs
from core.triggers.trigger_settings import TriggerSettings, parse_settings


@dataclass(slots=True)
class Admission:
    """What admission leaves to run now: leased runs, and what they need."""

    runs: list[Run] = field(default_factory=list)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    events: dict[str, OutboxEvent] = field(default_factory=dict)
    fields: dict[FieldsKey, Fields | None] = field(default_factory=dict)
    """{(trigger id, event id): the fields its conditions and templates name}."""
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    """{run id: the variables its conditions were evaluated on}, for the runs claimed here:
    its actions start from them instead of computing them again."""
    recorded: int = 0
    """Runs finished at admission (conditions not met, or blocked)."""


def event_info(event: OutboxEvent) -> EventInfo:
    return EventInfo(
        id=event.id,
        type=event.event_type,
        company_id=event.company_id,
        data=event.payload or {},
        occurred_at=as_utc(event.created_at),
        chain_depth=event.chain_depth,
        task_id=event.task_id,
        flow_id=event.flow_id,
        table_id=event.table_id,
        trigger_id=event.trigger_id,
    )


class _RateLimits:
    """Counts, per trigger, runs admitted within the trigger's window: those already stored
    plus those admitted by this batch. On PostgreSQL the count is taken under a per-trigger
    transaction lock, so concurrent workers cannot both admit the last allowed run."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.stored: dict[str, int] = {}
        self.batch: Counter[str] = Counter()

    async def admits(self, trigger: Trigger, settings: TriggerSettings) -> bool:
        limit = settings.rate_limit
        if limit is None:
            return True
        if trigger.id not in self.stored:
            if self.session.get_bind().dialect.name == "postgresql":
                await self.session.execute(
                    sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(trigger.id)))
                )
            since = utcnow() - timedelta(seconds=limit.per_seconds)
            self.stored[trigger.id] = int(
                await self.session.scalar(
                    sa.select(sa.func.count())
                    .select_from(TriggerRun)
                    .where(
                        TriggerRun.trigger_id == trigger.id,
                        TriggerRun.conditions_met.is_(True),
                        TriggerRun.blocked_reason.is_(None),
                        TriggerRun.created_at >= since,
                    )
                )
                or 0
            )
        if self.stored[trigger.id] + self.batch[trigger.id] >= limit.max:
            return False
        self.batch[trigger.id] += 1
        return True


async def admit(
    session: AsyncSession,
    events: Sequence[OutboxEvent],
    *,
    automation: AutomationSettings,
    owner: str | None,
    only_trigger: Trigger | None = None,
    retry_of: str | None = None,
) -> Admission:
    """Claim a run per (matching trigger, event) in the caller's transaction. A run whose
    conditions fail, or that is blocked, is recorded right away; the others are returned
    leased to `owner`. An event seen before claims nothing new, but its unfinished runs
    that nobody holds are leased again (a redelivery after a crash resumes them). With no
    `owner` the runs are left free for any worker. `only_trigger` and `retry_of` make a
    manual retry of one execution."""
    if only_trigger is not None:
        matches = {e.id: [only_trigger] for e in events}
    else:
        matches = await triggers_for_events(session, events)
    triggers = {t.id: t for ts in matches.values() for t in ts}
    fields = await fields_for_runs(session, ((t, e) for e in events for t in matches[e.id]))
    limits = _RateLimits(session)
    decided: list[tuple[NewRun, dict[str, Any]]] = []
    for event in events:
        info = event_info(event)
        for trigger in matches[event.id]:
            known = fields.get((trigger.id, event.id))
            variables = event_variables(info, known, trigger.name)
            new = await _decide(trigger, info, variables, known, automation, limits, retry_of)
            decided.append((new, variables))
    inserted = await insert_runs(
        session,
        [new for new, _ in decided],
        owner=owner,
        lease_seconds=automation.run_lease_seconds,
    )
    admission = Admission(triggers=triggers, events={e.id: e for e in events}, fields=fields)
    seen_before: list[tuple[str, str]] = []
    for new, variables in decided:
        key = (new.trigger_id, new.idempotency_key)
        if key not in inserted:
            seen_before.append(key)
        elif new.final:
            admission.recorded += 1
        else:
            run = _claimed(inserted[key], new)
            admission.runs.append(run)
            admission.variables[run.id] = variables
    if owner is not None:
        admission.runs += await lease_runs(
            session, owner=owner, lease_seconds=automation.run_lease_seconds, keys=seen_before
        )
    return admission


async def _decide(
    trigger: Trigger,
    event: EventInfo,
    variables: dict[str, Any],
    fields: Fields | None,
    automation: AutomationSettings,
    limits: _RateLimits,
    retry_of: str | None,
) -> NewRun:
    met, explanation = evaluate_conditions(trigger.conditions, variables, fields)
    blocked: str | None = None
    delay = 0.0
    if explanation.get("error"):
        blocked = f"conditions could not be evaluated: {explanation['error']}"
    elif met:
        try:
            settings = parse_settings(trigger.settings)
        except ValidationFailed as exc:
            problems = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
            settings, blocked = TriggerSettings(), f"invalid trigger settings: {problems}"
        max_depth = settings.max_chain_depth or automation.max_chain_depth
        if blocked is None and event.chain_depth >= max_depth:
            blocked = (
                f"chain depth limit reached: this event was caused by {event.chain_depth} "
                f"trigger actions in a row (limit {max_depth}); actions not run to stop a loop"
            )
        if blocked is None and not await limits.admits(trigger, settings):
            assert settings.rate_limit is not None
            blocked = (
                f"rate limit reached: at most {settings.rate_limit.max} runs per "
                f"{settings.rate_limit.per_seconds:g} s; actions not run"
            )
        delay = settings.delay_seconds
    key = event.id if retry_of is None else f"{event.id}/retry/{retry_of}"
    return NewRun(
        trigger_id=trigger.id,
        company_id=trigger.company_id,
        event_id=event.id,
        idempotency_key=key,
        chain_depth=event.chain_depth,
        conditions_met=met,
        condition_result=explanation,
        blocked_reason=blocked,
        not_before=max(event.occurred_at + timedelta(seconds=delay), utcnow())
        if delay
        else utcnow(),
        event_data=dict(event.data),
        retry_of=retry_of,
    )


def _claimed(run_id: str, new: NewRun) -> Run:
    # The row was just inserted with these values; building it here saves reading it back.
    return Run(
        id=run_id,
        company_id=new.company_id,
        trigger_id=new.trigger_id,
        event_id=new.event_id,
        conditions_met=new.conditions_met,
        condition_result=new.condition_result,
        action_results=[],
        not_before=new.not_before,
        created_at=utcnow(),
    )
