"""The scheduler daemon: one APScheduler job per active SCHEDULED trigger, kept in step with
the database every ERP_SCHEDULER_SYNC_SECONDS. Firing claims the due slots (core.scheduling),
so several daemons may run at once and a restarted one neither repeats nor loses a slot."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import transaction
from core.errors import ValidationFailed
from core.scheduling import fire_due_slots, scheduled_triggers
from core.scheduling.claims import schedule_of
from core.settings import AutomationSettings
from core.triggers import worker_name

log = logging.getLogger("erp.scheduler")
SYNC_JOB = "erp-sync"


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

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self.sync,
            IntervalTrigger(seconds=self.automation.scheduler_sync_seconds, timezone=UTC),
            id=SYNC_JOB,
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
