"""Whether each definition of a kind differs from its latest release: the studio's lists show
it beside every form, flow, table and dataset (the same comparison a publish preview makes)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.releases.entity_types import check_entity_type
from core.tenancy import company_of
from core.versions.publishing import preview_version
from core.versions.snapshots import MODELS


@dataclass(frozen=True, slots=True)
class ReleaseState:
    """`latest` is the newest version (None: never released); `changes` how many changelog
    entries publishing now would record, proposing `proposed` (0: the same as `latest`, which
    there is nothing to publish over)."""

    entity_id: str
    latest: str | None
    changes: int
    proposed: str
    impact: str | None
    """The highest impact of the changes (major, minor, patch), None without changes."""


async def release_states(
    session: AsyncSession, principal: Principal, *, entity_type: str
) -> list[ReleaseState]:
    """The release state of every definition of `entity_type` in the principal's company."""
    require(principal, "versions.read")
    model = MODELS[check_entity_type(entity_type)]
    ids = await session.scalars(
        sa.select(model.id).where(model.company_id == company_of(principal)).order_by(model.id)
    )
    states = []
    for entity_id in list(ids):
        preview = await preview_version(session, entity_type=entity_type, entity_id=entity_id)
        latest = preview["previousVersion"]
        entries = preview["changeLog"] if latest is not None else []
        impacts = {e["impact"] for e in entries}
        states.append(
            ReleaseState(
                entity_id=entity_id,
                latest=latest,
                changes=len(entries),
                proposed=preview["proposedVersion"] if entries or latest is None else latest,
                impact=next((i for i in ("major", "minor", "patch") if i in impacts), None),
            )
        )
    return states
