"""Approve and reject by link: e-mails about a waiting level carry signed links that open a
confirmation page; confirming acts as the signed-in user, with that user's permissions.

A link names one visit of an instance to a level (its step number): once that level is
decided, by the link or otherwise, the link is spent, and one sent before a send-back does
not act on the level's next visit. Links are signed with the platform's secret key and
expire; nothing about them is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.errors import NotFound
from core.flows import engine
from core.flows.definition import LevelDef, load_snapshot
from core.flows.link_tokens import (
    LinkAction,
    LinkClaims,
    LinkInvalid,
    LinkSpent,
    NeedsForm,
    read_link_token,
)
from core.models import FlowInstance, utcnow
from core.models.flow_runs import FlowStep, StepStatus


@dataclass(frozen=True, slots=True)
class LinkView:
    """What a link would do, for its confirmation page."""

    action: LinkAction
    instance_id: str
    flow_name: str
    level_name: str
    task_name: str | None
    expires_at: datetime
    used_at: datetime | None
    """When the level the link names was decided (the link is spent), else None."""


async def _step(session: AsyncSession, claims: LinkClaims) -> tuple[FlowInstance, FlowStep]:
    instance = await session.get(FlowInstance, claims.instance_id)
    step = await session.scalar(
        sa.select(FlowStep).where(
            FlowStep.instance_id == claims.instance_id, FlowStep.number == claims.step_number
        )
    )
    if instance is None or step is None or instance.company_id != claims.company_id:
        raise NotFound("The flow instance of this link no longer exists.")
    return instance, step


async def _level(session: AsyncSession, step: FlowStep) -> LevelDef:
    frozen = await load_snapshot(
        session, company_id=step.company_id, definition_id=step.definition_id
    )
    return frozen.level(step.level_order)


async def describe_link(session: AsyncSession, secret: str, token: str) -> LinkView:
    """What the link would do (read at platform level: the page is opened before sign-in,
    and shows no more than the e-mail that carried the link)."""
    claims = read_link_token(secret, token)
    instance, step = await _step(session, claims)
    level = await _level(session, step)
    frozen = await load_snapshot(
        session, company_id=step.company_id, definition_id=step.definition_id
    )
    return LinkView(
        action=claims.action,
        instance_id=instance.id,
        flow_name=frozen.flow_name,
        level_name=level.name,
        task_name=level.tasks[0].name if len(level.tasks) == 1 else None,
        expires_at=claims.expires_at,
        used_at=None if step.status == StepStatus.ACTIVE else (step.closed_at or utcnow()),
    )


async def use_link(
    session: AsyncSession,
    principal: Principal,
    secret: str,
    token: str,
    *,
    comment: str | None = None,
) -> engine.ActionResult:
    """Approve or reject the level the link names, as `principal` (who must be of the link's
    company and allowed to act on that level, exactly as in the inbox). On a level with one
    form, the link's decision fills the form's decision field; a form asking for more has to
    be opened (NeedsForm)."""
    claims = read_link_token(secret, token)
    require(principal, "flows.run")
    if principal.company_id != claims.company_id:
        # Another company's link reads as one that does not exist, as its rows would.
        raise LinkInvalid("This link is not valid.")
    instance, step = await _step(session, claims)
    if step.status != StepStatus.ACTIVE:
        raise LinkSpent(
            "This level has already been decided.",
            instanceId=instance.id,
            levelOrder=step.level_order,
        )
    level = await _level(session, step)
    common: dict[str, Any] = {
        "company_id": claims.company_id,
        "instance_id": instance.id,
        "user_id": principal.user_id,
        "expected_level": claims.level_order,
    }
    if not level.tasks:
        act = engine.approve if claims.action == "approve" else engine.reject
        result = await act(session, comment=comment, **common)
    else:
        result = await engine.execute_task(
            session,
            task_id=_only_task(level).id,
            data=_decision(level, claims.action, comment),
            **common,
        )
    record_audit(
        session,
        principal,
        f"flow_instance.{'approved' if claims.action == 'approve' else 'rejected'}",
        "FlowInstance",
        instance.id,
        before=result.before,
        after=snapshot(result.instance),
        metadata={"levelClosed": result.level_closed, "via": "action_link"},
    )
    return result


def _only_task(level: LevelDef) -> Any:
    if len(level.tasks) != 1 or level.decision_field is None:
        raise NeedsForm(
            f"Level {level.order} ({level.name}) is decided by filling in its form.",
            tasks=[t.id for t in level.tasks],
        )
    return level.tasks[0]


def _decision(level: LevelDef, action: LinkAction, comment: str | None) -> dict[str, Any]:
    """The form's decision field set to the link's decision (its first option that is not a
    reject value, or the first reject value), and a comment into a field named so."""
    task = _only_task(level)
    field = next(
        (f for f in task.fields if level.decision_field in (f.get("id"), f.get("label"))),
        None,
    )
    if field is None or not level.reject_values:
        raise NeedsForm(f"Level {level.order} ({level.name}) is decided by filling in its form.")
    options = [o["value"] if isinstance(o, dict) else o for o in field.get("options") or []]
    if action == "reject":
        value = level.reject_values[0]
    else:
        value = next((o for o in options if o not in level.reject_values), None)
        if value is None:
            raise NeedsForm(f"Level {level.order} ({level.name}) has no approving choice.")
    data: dict[str, Any] = {str(field["id"]): value}
    if comment:
        for candidate in task.fields:
            if str(candidate.get("label", "")).lower() in ("comment", "comments"):
                data[str(candidate["id"])] = comment
    return data
