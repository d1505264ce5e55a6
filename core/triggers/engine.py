"""The trigger engine a worker runs: admit events into runs, run their actions in order
with retries and backoff, and record one TriggerExecution per run."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.errors import ErpError
from core.events.dispatch import Dispatcher
from core.flows.link_tokens import links_for_step
from core.http import GuardedHttpClient
from core.metrics import (
    ACTION_ATTEMPTS,
    ACTION_SECONDS,
    TRIGGER_EXECUTION_SECONDS,
    TRIGGER_EXECUTIONS,
)
from core.models import OutboxEvent, Trigger, TriggerExecutionStatus, as_utc, utcnow
from core.plugins.manager import Plugins
from core.releases import released_trigger
from core.settings import Settings
from core.templating import collecting_warnings, render_value
from core.triggers.actions import ActionContext, CompanyServices, EventInfo, TriggerInfo
from core.triggers.admission import Admission, admit, event_info
from core.triggers.conditions import Fields, event_variables
from core.triggers.errors import ActionFailed, UnknownAction
from core.triggers.matching import fields_for_runs
from core.triggers.registry import ActionRegistry
from core.triggers.relay import mark_admitted
from core.triggers.runs import (
    Finished,
    Run,
    finish_runs,
    lease_runs,
    release_lease,
    renew_leases,
    save_progress,
)
from core.triggers.trigger_settings import ActionStep, TriggerSettings, parse_settings, parse_steps

log = logging.getLogger("erp.triggers")

SUCCESS, FAILED, SKIPPED, RETRYING = "success", "failed", "skipped", "retrying"
CONCURRENT_RUNS = 8
LEASE_RENEWALS = 3
"""Renewals per lease: two can fail (a database hiccup) before a live worker loses a run."""


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (a restarted process differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(slots=True)
class _Job:
    run: Run
    trigger: Trigger
    event: OutboxEvent
    fields: Fields | None
    variables: dict[str, Any] | None
    """What the conditions were evaluated on, when they were evaluated in this process."""


@dataclass
class TriggerEngine:
    """One per worker process. `sessions` are platform-level (no company fixed): each run is
    confined to its trigger's company when it hands a session to an action."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    http: GuardedHttpClient
    registry: ActionRegistry
    dispatcher: Dispatcher
    plugins: Plugins | None = None
    owner: str = field(default_factory=worker_name)

    @property
    def lease_seconds(self) -> float:
        return float(self.settings.automation.run_lease_seconds)

    async def handle_events(self, event_ids: Sequence[str]) -> int:
        """Process committed outbox events; safe to call again with the same ids. Returns
        how many executions this call recorded."""
        return await self.run_admitted(await self.admit_events(event_ids))

    async def admit_events(self, event_ids: Sequence[str], *, mark: bool = True) -> Admission:
        """The first half of handle_events: match the events' triggers, commit a run per
        (trigger, event) and mark the events admitted, in one transaction. Once this
        returns, the runs survive a crash (the stale-run sweep resumes them); before, the
        events are still the outbox's, and the relay sends them again. Events admitted
        before are skipped (a duplicate message costs one lookup); their runs are the
        sweep's. When the batch cannot be admitted, each event is tried alone, so one event
        whose admission fails does not hold back the others (it stays unadmitted, and the
        relay sends it again). `mark=False` leaves marking the events admitted to the caller
        (the in-process relay, which holds their outbox rows locked)."""
        try:
            return await self._admit(event_ids, mark=mark)
        except Exception:
            if len(event_ids) <= 1:
                raise
            log.exception(
                "admission of %d events failed; admitting them one by one", len(event_ids)
            )
        admission = Admission()
        failed = 0
        for event_id in event_ids:
            try:
                one = await self._admit([event_id], mark=mark)
            except Exception:
                failed += 1
                log.exception("event %s not admitted", event_id, extra={"event_id": event_id})
                continue
            admission.runs += one.runs
            admission.triggers.update(one.triggers)
            admission.events.update(one.events)
            admission.fields.update(one.fields)
            admission.variables.update(one.variables)
            admission.recorded += one.recorded
        if failed == len(event_ids):
            raise RuntimeError(f"none of {len(event_ids)} events could be admitted")
        return admission

    async def _admit(self, event_ids: Sequence[str], *, mark: bool) -> Admission:
        async with transaction(self.sessions) as session:
            events = list(
                (
                    await session.scalars(
                        sa.select(OutboxEvent).where(
                            OutboxEvent.id.in_(list(event_ids)), OutboxEvent.admitted_at.is_(None)
                        )
                    )
                ).all()
            )
            if not events:
                return Admission()
            admission = await admit(
                session, events, automation=self.settings.automation, owner=self.owner
            )
            if mark:
                await mark_admitted(session, [e.id for e in events])
        for event in events:
            log.debug("event %s admitted", event.id, extra={"event_id": event.id})
            if self.plugins is not None:
                self.plugins.hook.erp_event_recorded(event=event_info(event))
        return admission

    async def run_admitted(self, admission: Admission) -> int:
        """The second half of handle_events: run the admitted runs."""
        return admission.recorded + await self._run_all(admission)

    async def handle_run(self, run_id: str) -> int:
        """Resume one run (after a delay, a backoff, a crash or a manual retry)."""
        async with transaction(self.sessions) as session:
            runs = await lease_runs(
                session, owner=self.owner, lease_seconds=self.lease_seconds, run_ids=[run_id]
            )
            if not runs:
                return 0  # finished already, or another worker holds it
            run = runs[0]
            trigger = await session.get(Trigger, run.trigger_id)
            event = await session.get(OutboxEvent, run.event_id)
            if trigger is None or event is None:
                await release_lease(session, run.id, self.owner)
                log.warning("run %s lost its trigger or event", run.id)
                return 0
            if not trigger.is_active:
                # Switched off while the run waited (a delay, a retry's backoff): the rest of
                # its actions do not run, and the execution says why.
                return await self._record_switched_off(session, run, event)
            trigger = await released_trigger(session, trigger)  # a versioned entity's content
            fields = await fields_for_runs(session, [(trigger, event)])
        admission = Admission(
            runs=[run], triggers={trigger.id: trigger}, events={event.id: event}, fields=fields
        )
        return await self._run_all(admission)

    async def _record_switched_off(
        self, session: AsyncSession, run: Run, event: OutboxEvent
    ) -> int:
        done = any(r.get("status") == SUCCESS for r in run.action_results or [])
        finished = Finished(
            run=run,
            event_data=dict(event.payload or {}),
            status=TriggerExecutionStatus.PARTIAL_SUCCESS
            if done
            else TriggerExecutionStatus.FAILED,
            error_message="the trigger was switched off (isActive false) before its actions ran"
            + (" to the end" if done else ""),
            execution_time_ms=max(
                0, int((utcnow() - as_utc(run.created_at)).total_seconds() * 1000)
            ),
        )
        recorded = await finish_runs(session, [finished], owner=self.owner)
        for execution_id in recorded.values():
            log.warning(
                "execution %s of trigger %s for event %s: %s, %s",
                execution_id,
                run.trigger_id,
                run.event_id,
                finished.status.value,
                finished.error_message,
                extra={
                    "event_id": run.event_id,
                    "trigger_id": run.trigger_id,
                    "run_id": run.id,
                    "execution_id": execution_id,
                    "status": finished.status.value,
                },
            )
        return len(recorded)

    async def _run_all(self, admission: Admission) -> int:
        jobs = [
            _Job(
                run,
                admission.triggers[run.trigger_id],
                admission.events[run.event_id],
                admission.fields.get((run.trigger_id, run.event_id)),
                admission.variables.get(run.id),
            )
            for run in admission.runs
        ]
        if not jobs:
            return 0
        limit = asyncio.Semaphore(CONCURRENT_RUNS)

        async def bounded(job: _Job) -> Finished | None:
            async with limit:
                return await self._execute(job)

        renewing = asyncio.create_task(self._renew_leases([j.run.id for j in jobs]))
        try:
            outcomes = await asyncio.gather(*(bounded(j) for j in jobs))
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
        finished = [f for f in outcomes if f is not None]
        # The runs of a batch are recorded together: one transaction, not one per run.
        async with transaction(self.sessions) as session:
            recorded = await finish_runs(session, finished, owner=self.owner)
        for f in finished:
            ids = {"event_id": f.run.event_id, "trigger_id": f.run.trigger_id, "run_id": f.run.id}
            execution_id = recorded.get(f.run.id)
            if execution_id is None:
                log.warning("run %s: lease lost before recording; left to its holder", f.run.id)
                continue
            TRIGGER_EXECUTIONS.labels(f.status.value).inc()
            TRIGGER_EXECUTION_SECONDS.labels(f.status.value).observe(f.execution_time_ms / 1000)
            log.info(
                "execution %s of trigger %s for event %s: %s",
                execution_id,
                f.run.trigger_id,
                f.run.event_id,
                f.status.value,
                extra={**ids, "execution_id": execution_id, "status": f.status.value},
            )
        return len(recorded)

    async def _renew_leases(self, run_ids: list[str]) -> None:
        """While this engine runs them, every third of ERP_TRIGGER_LEASE_SECONDS: the runs
        stay held however long their actions take, and a worker that dies stops renewing,
        so its runs are free again within one lease."""
        every = self.lease_seconds / LEASE_RENEWALS
        while True:
            await asyncio.sleep(every)
            try:
                async with transaction(self.sessions) as session:
                    await renew_leases(
                        session, run_ids, owner=self.owner, lease_seconds=self.lease_seconds
                    )
            except Exception as exc:  # the database is away: the next renewal tries again
                log.warning("trigger run leases not renewed now (%s)", exc)

    async def _execute(self, job: _Job) -> Finished | None:
        """Run what is left of the job's actions; the outcome to record, or None when the
        run waits (a delay or a retry backoff) and will be sent again."""
        run, trigger = job.run, job.trigger
        ids = {"event_id": run.event_id, "trigger_id": trigger.id, "run_id": run.id}
        now = utcnow()
        not_before = as_utc(run.not_before)
        if not_before > now:
            async with transaction(self.sessions) as session:
                await release_lease(session, run.id, self.owner)
            await self.dispatcher.send_run(run.id, (not_before - now).total_seconds())
            return None
        try:
            settings = parse_settings(trigger.settings)
            steps = parse_steps(trigger.actions)
        except ErpError as exc:
            settings, steps = TriggerSettings(), []
            run.action_results = [_result("(config)", FAILED, error=exc.message, attempts=1)]
        else:
            waiting = await self._run_steps(job, settings, steps)
            if waiting is not None:
                log.info("run %s waits %.1fs before retrying", run.id, waiting, extra=ids)
                return None
        status, error = _outcome(run.action_results, len(steps))
        started = as_utc(run.created_at) if run.created_at else now
        return Finished(
            run=run,
            event_data=dict(job.event.payload or {}),
            status=status,
            error_message=error,
            execution_time_ms=max(0, int((utcnow() - started).total_seconds() * 1000)),
        )

    async def _run_steps(
        self, job: _Job, settings: TriggerSettings, steps: list[ActionStep]
    ) -> float | None:
        """Run the actions that are not finished yet; returns the backoff in seconds when a
        retry has been scheduled, None when the run is complete."""
        run = job.run
        results: list[dict[str, Any]] = list(run.action_results or [])
        info = event_info(job.event)
        # A copy: the actions may add to their variables, the conditions' stay as they were.
        variables = dict(job.variables or event_variables(info, job.fields, job.trigger.name))
        variables["trigger"] = {"id": job.trigger.id, "name": job.trigger.name}
        add_flow_links(variables, info, self.settings)
        stop = False
        for index, step in enumerate(steps):
            previous = results[index] if index < len(results) else None
            if previous is not None and previous["status"] in (SUCCESS, FAILED, SKIPPED):
                stop = stop or (previous["status"] == FAILED and _stops(step, settings))
                continue
            if stop:
                _put(results, index, _result(step.type, SKIPPED, attempts=0))
                continue
            attempts = int(previous["attempts"]) if previous else 0
            outcome = await self._attempt(job, info, variables, settings, step, index, attempts)
            attempts += 1
            allowed = 1 + (step.retries if step.retries is not None else settings.retries)
            if outcome["status"] == FAILED and outcome.pop("retryable") and attempts < allowed:
                backoff = settings.backoff(attempts)
                _put(results, index, {**outcome, "status": RETRYING, "attempts": attempts})
                run.action_results = results
                await self._wait_for_retry(run, backoff)
                return backoff
            outcome.pop("retryable", None)
            _put(results, index, {**outcome, "attempts": attempts})
            run.action_results = results
            stop = outcome["status"] == FAILED and _stops(step, settings)
            if index < len(steps) - 1:
                async with transaction(self.sessions) as session:
                    kept = await save_progress(
                        session, run, owner=self.owner, lease_seconds=self.lease_seconds
                    )
                if not kept:
                    raise RuntimeError(f"run {run.id}: lease lost during its actions")
        run.action_results = results
        return None

    async def _attempt(
        self,
        job: _Job,
        info: Any,
        variables: dict[str, Any],
        settings: TriggerSettings,
        step: ActionStep,
        index: int,
        attempts: int,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        with collecting_warnings() as warnings:
            outcome = await self._attempt_action(job, info, variables, step, index, attempts)
        ACTION_ATTEMPTS.labels(step.type, str(outcome["status"]).lower()).inc()
        ACTION_SECONDS.labels(step.type).observe(time.perf_counter() - started)
        if warnings:
            # A template named a value the event did not have: rendered empty, and said so.
            outcome["warnings"] = warnings
        return outcome

    async def _attempt_action(
        self,
        job: _Job,
        info: Any,
        variables: dict[str, Any],
        step: ActionStep,
        index: int,
        attempts: int,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        ids = {"event_id": job.run.event_id, "run_id": job.run.id, "action": step.type}
        try:
            action = self.registry.get(step.type)
            raw = (
                await render_value(step.config, variables, path=f"actions[{index}].config")
                if action.render_config
                else step.config
            )
            config = action.parse_config(raw, path=f"actions[{index}].config")
            context = ActionContext(
                company_id=job.trigger.company_id,
                event=info,
                trigger=TriggerInfo(
                    job.trigger.id, job.trigger.name, job.trigger.event_type, job.trigger.settings
                ),
                variables=variables,
                http=self.http,
                services=CompanyServices(self.sessions, self.settings, job.trigger.company_id),
                run_id=job.run.id,
                action_index=index,
                attempt=attempts + 1,
                settings=self.registry.settings_for(step.type),
            )
            output = await action.run(context, config)
        except (UnknownAction, ActionFailed, ErpError) as exc:
            retryable = isinstance(exc, ActionFailed) and exc.retryable
            log.warning("action %s failed: %s", step.type, exc.message, extra=ids)
            return _result(step.type, FAILED, error=exc.message, retryable=retryable, t=started)
        except Exception as exc:  # an action's bug is that action's failure, not the worker's
            log.exception("action %s raised", step.type, extra=ids)
            error = f"{type(exc).__name__}: {exc}"
            return _result(step.type, FAILED, error=error, retryable=True, t=started)
        return _result(step.type, SUCCESS, output=_jsonable(output), retryable=False, t=started)

    async def _wait_for_retry(self, run: Run, backoff: float) -> None:
        from datetime import timedelta

        due = utcnow() + timedelta(seconds=backoff)
        async with transaction(self.sessions) as session:
            await save_progress(
                session, run, owner=self.owner, lease_seconds=self.lease_seconds, release_until=due
            )
        try:
            await self.dispatcher.send_run(run.id, backoff)
        except Exception:  # the relay's sweep sends it once the broker is back
            log.warning("run %s: retry not sent now; the relay will send it", run.id)


def add_flow_links(variables: dict[str, Any], info: EventInfo, settings: Settings) -> None:
    """The links a flow event's actions may use, added to `variables`: the instance's page
    (`link_to_task`), and for a waiting level the one-click decision links."""
    instance_id = info.data.get("instanceId")
    if not isinstance(instance_id, str):
        return
    # The seed's email template links to the task: a flow event's instance, where the people
    # asked to act see it and act on it.
    public_url = settings.automation.public_url
    variables.setdefault("link_to_task", f"{public_url}/instances/{instance_id}")
    step, level = info.data.get("stepNumber"), info.data.get("levelOrder")
    if isinstance(step, int) and isinstance(level, int):
        # A waiting level (TASK_STARTED): one-click decisions, confirmed on a page.
        for name, link in links_for_step(
            settings.secret_key,
            public_url,
            company_id=info.company_id,
            instance_id=instance_id,
            step=step,
            level=level,
        ).items():
            variables.setdefault(name, link)


def _stops(step: ActionStep, settings: TriggerSettings) -> bool:
    return (step.on_failure or settings.on_action_failure) == "stop"


def _put(results: list[dict[str, Any]], index: int, value: dict[str, Any]) -> None:
    while len(results) <= index:
        results.append(_result("", SKIPPED, attempts=0))
    results[index] = value


def _result(
    action: str,
    status: str,
    *,
    output: Any = None,
    error: str | None = None,
    attempts: int = 0,
    retryable: bool | None = None,
    t: float | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": action,
        "status": status,
        "output": output,
        "error": error,
        "attempts": attempts,
    }
    if t is not None:
        out["durationMs"] = round((time.perf_counter() - t) * 1000, 1)
    if retryable is not None:
        out["retryable"] = retryable
    return out


def _outcome(
    results: list[dict[str, Any]], steps: int
) -> tuple[TriggerExecutionStatus, str | None]:
    """SUCCESS when every action succeeded; FAILED when none did; PARTIAL_SUCCESS between."""
    done = [r for r in results if r["status"] == SUCCESS]
    errors = [f"{r['type']}: {r['error']}" for r in results if r["status"] == FAILED]
    if not errors and len(done) == steps:
        return TriggerExecutionStatus.SUCCESS, None
    status = TriggerExecutionStatus.PARTIAL_SUCCESS if done else TriggerExecutionStatus.FAILED
    return status, "; ".join(errors) or "actions skipped"


def _jsonable(value: Any) -> Any:
    import json

    if value is None:
        return None
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)
