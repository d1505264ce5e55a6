"""The scheduler daemon: one APScheduler job per active SCHEDULED trigger, kept in step with
the database every ERP_SCHEDULER_SYNC_SECONDS. Firing claims the due slots (core.scheduling),
so several daemons may run at once and a restarted one neither repeats nor loses a slot."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.errors import ValidationFailed
from core.flows import DeadlineApplied, apply_overdue_deadlines
from core.models import VersionPause
from core.scheduling import fire_due_slots, scheduled_triggers
from core.scheduling.claims import schedule_of
from core.settings import AutomationSettings
from core.system import Heartbeat
from core.triggers import prune_outbox, worker_name
from core.versions import pause_failing_versions

log = logging.getLogger("erp.scheduler")
SYNC_JOB = "erp-sync"
ROLLOUT_WATCHDOG_JOB = "erp-rollout-watchdog"
FLOW_DEADLINES_JOB = "erp-flow-deadlines"
OUTBOX_PRUNE_JOB = "erp-outbox-prune"
OUTBOX_PRUNE_SECONDS = 3600
"""How often finished events older than ERP_OUTBOX_RETENTION_DAYS are forgotten."""
OUTBOX_PRUNE_BATCH = 5000


class SchedulerDaemon:
    """Start it inside a running event loop; `stop()` ends it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        automation: AutomationSettings,
        *,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.automation = automation
        self.name = name or worker_name()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )
        self.known: dict[str, str] = {}
        """trigger id -> fingerprint of the definition its job was built from."""
        self.heartbeat = Heartbeat(sessions, kind="scheduler", name=self.name)

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self.sync,
            IntervalTrigger(seconds=self.automation.scheduler_sync_seconds, timezone=UTC),
            id=SYNC_JOB,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(
            self.pause_failing_versions,
            IntervalTrigger(seconds=self.automation.rollout_watchdog_seconds, timezone=UTC),
            id=ROLLOUT_WATCHDOG_JOB,
        )
        self.scheduler.add_job(
            self.apply_flow_deadlines,
            IntervalTrigger(seconds=self.automation.scheduler_sync_seconds, timezone=UTC),
            id=FLOW_DEADLINES_JOB,
        )
        self.scheduler.add_job(
            self.prune_outbox,
            IntervalTrigger(seconds=OUTBOX_PRUNE_SECONDS, timezone=UTC),
            id=OUTBOX_PRUNE_JOB,
            next_run_time=datetime.now(UTC),
        )
        log.info("scheduler %s started", self.name)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def sync(self) -> None:
        """Follow creations, edits, deactivations and deletions; fire what a new or changed
        trigger (or this daemon's start) left due."""
        try:
            async with transaction(self.sessions) as session:
                triggers = await scheduled_triggers(session)
        except Exception:
            log.exception("scheduler: cannot load triggers; keeping the current jobs")
            return
        current = {}
        for trigger in triggers:
            fingerprint = json.dumps(
                [trigger.updated_at.isoformat(), trigger.event_config], sort_keys=True, default=str
            )
            current[trigger.id] = fingerprint
            if self.known.get(trigger.id) == fingerprint:
                continue
            self.known[trigger.id] = fingerprint
            try:
                schedule = schedule_of(trigger)
            except ValidationFailed as exc:
                self._remove(trigger.id)
                log.warning("trigger %s has no valid schedule: %s", trigger.id, exc.problems)
                continue
            self.scheduler.add_job(
                self.fire,
                schedule.trigger,
                args=[trigger.id],
                id=trigger.id,
                name=f"{trigger.name} ({schedule.description})",
                replace_existing=True,
            )
            log.info("trigger %s scheduled: %s", trigger.id, schedule.description)
            await self.fire(trigger.id)
        for gone in set(self.known) - set(current):
            self._remove(gone)
            del self.known[gone]
            log.info("trigger %s unscheduled", gone)
        await self.heartbeat({"scheduledTriggers": len(self.known)})

    async def pause_failing_versions(self) -> list[VersionPause]:
        """Versions and rollout: pause every rolled-out version whose triggers fail above
        ERP_ROLLOUT_PAUSE_FAILURE_RATE in the companies that see it (docs/versions.md)."""
        settings = self.automation
        try:
            async with transaction(self.sessions) as session:
                paused = await pause_failing_versions(
                    session,
                    failure_rate=settings.rollout_pause_failure_rate,
                    min_executions=settings.rollout_pause_min_executions,
                    window=timedelta(seconds=settings.rollout_pause_window_seconds),
                )
        except Exception:  # another daemon paused it first, or the database is away
            log.exception("rollout watchdog failed; the next round tries again")
            return []
        for pause in paused:
            log.warning(
                "version %s paused: %s",
                pause.version_id,
                pause.reason,
                extra={"version_id": pause.version_id},
            )
        return paused

    async def apply_flow_deadlines(self) -> list[DeadlineApplied]:
        """Flows: apply the onDeadline action of every level whose deadline has passed, once
        per level visit even with several daemons (docs/flows.md); checked every
        ERP_SCHEDULER_SYNC_SECONDS."""
        try:
            applied = await apply_overdue_deadlines(self.sessions)
        except Exception:  # the database is away: the next round tries again
            log.exception("flow deadlines failed; the next round tries again")
            return []
        for done in applied:
            log.info(
                "flow instance %s: deadline of step %s applied (%s)",
                done.instance_id,
                done.step_id,
                done.action,
                extra={"instance_id": done.instance_id, "step_id": done.step_id},
            )
        return applied

    async def prune_outbox(self) -> int:
        """Forget events dispatched more than ERP_OUTBOX_RETENTION_DAYS ago whose trigger runs
        have finished (core.triggers.prune_outbox), a batch per transaction until none is
        left; returns how many went."""
        older_than = timedelta(days=self.automation.outbox_retention_days)
        pruned = 0
        try:
            while True:
                async with transaction(self.sessions) as session:
                    batch = await prune_outbox(
                        session, older_than=older_than, limit=OUTBOX_PRUNE_BATCH
                    )
                pruned += batch
                if batch < OUTBOX_PRUNE_BATCH:
                    break
        except Exception:  # the database is away: the next round tries again
            log.exception("outbox pruning failed; the next round tries again")
        if pruned:
            log.info("outbox: %d finished events older than %s forgotten", pruned, older_than)
        return pruned

    async def fire(self, trigger_id: str) -> None:
        try:
            slots = await fire_due_slots(self.sessions, trigger_id, claimed_by=self.name)
        except ValidationFailed as exc:
            log.warning("trigger %s has no valid schedule: %s", trigger_id, exc.problems)
            return
        except Exception:
            log.exception("trigger %s: firing failed; the next sync tries again", trigger_id)
            self.known.pop(trigger_id, None)
            return
        for slot in slots:
            log.info(
                "trigger %s fired for %s",
                trigger_id,
                slot.isoformat(),
                extra={"trigger_id": trigger_id, "slot": slot.isoformat()},
            )

    def _remove(self, trigger_id: str) -> None:
        if self.scheduler.get_job(trigger_id) is not None:
            self.scheduler.remove_job(trigger_id)
