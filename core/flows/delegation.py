"""Out-of-office delegation: a user names a colleague and a period; flow work that reaches
the user in that period is asked of the colleague instead, and the instance's history says
so. One delegation per user, replaced when set again; delegation does not chain (work is
passed on once, to the delegate named, even if the delegate is away too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.audit import record_audit, snapshot
from core.errors import FieldProblem, ValidationFailed
from core.models import User, utcnow
from core.models.flow_runs import Delegation


async def my_delegation(session: AsyncSession, principal: Principal) -> Delegation | None:
    require(principal, "flows.run")
    return await session.scalar(
        sa.select(Delegation).where(
            Delegation.user_id == principal.user_id,
            Delegation.company_id == principal.company_id,
        )
    )


async def set_delegation(
    session: AsyncSession,
    principal: Principal,
    *,
    delegate_id: str,
    starts_at: datetime,
    ends_at: datetime,
) -> Delegation:
    """Set (or replace) the user's delegation; every problem with the input is reported at
    once, and nothing is written."""
    require(principal, "flows.run")
    problems = []
    if delegate_id == principal.user_id:
        problems.append(FieldProblem("/delegateId", "You cannot delegate to yourself.", "self"))
    else:
        delegate = await session.scalar(
            sa.select(User).where(
                User.id == delegate_id,
                User.company_id == principal.company_id,
                User.is_active.is_(True),
            )
        )
        if delegate is None:
            problems.append(
                FieldProblem(
                    "/delegateId", "No active user of your company has this id.", "unknown"
                )
            )
    if ends_at <= starts_at:
        problems.append(FieldProblem("/endsAt", "The period must end after it starts.", "order"))
    elif ends_at <= utcnow():
        problems.append(FieldProblem("/endsAt", "The period has already ended.", "past"))
    if problems:
        raise ValidationFailed(problems)
    current = await my_delegation(session, principal)
    before = snapshot(current) if current is not None else None
    if current is None:
        assert principal.company_id is not None
        current = Delegation(company_id=principal.company_id, user_id=principal.user_id)
        session.add(current)
    current.delegate_id, current.starts_at, current.ends_at = delegate_id, starts_at, ends_at
    await session.flush()
    record_audit(
        session,
        principal,
        "user.delegation_set",
        "Delegation",
        current.id,
        before=before,
        after=snapshot(current),
    )
    return current


async def clear_delegation(session: AsyncSession, principal: Principal) -> bool:
    """End the user's delegation now; False if there was none."""
    current = await my_delegation(session, principal)
    if current is None:
        return False
    record_audit(
        session,
        principal,
        "user.delegation_cleared",
        "Delegation",
        current.id,
        before=snapshot(current),
    )
    await session.delete(current)
    await session.flush()
    return True


async def delegates_now(
    session: AsyncSession, company_id: str, user_ids: Sequence[str], at: datetime | None = None
) -> dict[str, str]:
    """For those of `user_ids` away at `at` (now), the active delegate their work goes to."""
    if not user_ids:
        return {}
    moment = at or utcnow()
    rows = await session.execute(
        sa.select(Delegation.user_id, Delegation.delegate_id)
        .join(User, User.id == Delegation.delegate_id)
        .where(
            Delegation.company_id == company_id,
            Delegation.user_id.in_(list(user_ids)),
            Delegation.starts_at <= moment,
            Delegation.ends_at > moment,
            User.is_active.is_(True),
        )
    )
    return {user_id: delegate_id for user_id, delegate_id in rows.all()}
