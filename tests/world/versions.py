"""The versions side of the test world: acting at platform level (a developer, not confined
to a company), releasing a flow's version, and reading which version an instance runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from core.access import Principal
from core.database import transaction
from core.flows import save_flow
from core.models import FlowDefinition, FlowStep, UserRole, VersionStatus
from core.models.flow_runs import StepStatus
from core.versions import change_status, publish_version
from tests.world.flows import expense_spec, in_company
from tests.world.tenants import Sessions, Tenant, add_user

T = TypeVar("T")


async def developer_of(sessions: Sessions, acme: Tenant) -> Principal:
    """A developer user of the company, acting at platform level."""
    async with transaction(sessions) as session:
        user = await add_user(session, acme.company_id, "dev", role=UserRole.DEVELOPER)
    return Principal(user_id=user.id, role=UserRole.DEVELOPER, company_id=None)


async def platform(sessions: Sessions, work: Callable[..., Awaitable[T]], /, **kw: Any) -> T:
    """One platform-level call (a developer's request, not confined to a company)."""
    async with transaction(sessions) as session:
        return await work(session, **kw)


async def release(sessions: Sessions, developer: Principal, flow_id: str, **kw: Any):
    """Publish the flow's current definition as a version and make it stable."""
    version = await platform(
        sessions,
        publish_version,
        principal=developer,
        entity_type="Flow",
        entity_id=flow_id,
        **kw,
    )
    await platform(
        sessions,
        change_status,
        principal=developer,
        version_id=version.id,
        status=VersionStatus.STABLE,
    )
    return version


async def version_of(sessions: Sessions, instance_id: str) -> str:
    """The flow version the instance's active step runs on."""
    async with transaction(sessions) as session:
        snapshot = await session.scalar(
            sa.select(FlowDefinition.snapshot)
            .join(FlowStep, FlowStep.definition_id == FlowDefinition.id)
            .where(FlowStep.instance_id == instance_id, FlowStep.status == StepStatus.ACTIVE)
        )
    return snapshot["flow"]["version"]


async def save_with_levels(sessions: Sessions, acme: Tenant, flow_id: str, levels: int) -> None:
    """Save the expense flow with its first level and the last `levels - 1` levels."""
    spec = expense_spec(acme)
    spec.levels = [spec.levels[0], *spec.levels[4 - levels :]]
    for order, level in enumerate(spec.levels, start=1):
        level.order = order
    await in_company(
        sessions, acme, save_flow, user_id=acme.users["admin"].id, spec=spec, flow_id=flow_id
    )
