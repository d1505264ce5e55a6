"""Who a version reaches: every company with its bucket, the version it sees now and why, and
what it would see under a proposed rollout (a percentage and pins not yet applied), decided by
the same bucket function and resolution as every request, so a preview is what applying does."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal, require
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.models import Company, Version
from core.releases.buckets import Reason, Seen, bucket_of, pick
from core.releases.resolution import paused_ids, versions_of


@dataclass(frozen=True, slots=True)
class Sight:
    """The version a company sees (None: no version reaches it; the entity's rows apply)."""

    version_id: str
    version: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class CompanyReach:
    company_id: str
    company_name: str
    bucket: int
    """0..9999; a rollout of p% reaches the buckets below p * 100."""
    now: Sight | None
    proposed: Sight | None
    """What the company would see with the proposed rollout applied (equal to `now` when
    nothing is proposed)."""


@dataclass(frozen=True, slots=True)
class Audience:
    version: Version
    percentage: int
    clients: list[str]
    companies: list[CompanyReach]

    @property
    def reached_now(self) -> int:
        return sum(1 for c in self.companies if c.now and c.now.version_id == self.version.id)

    @property
    def reached_proposed(self) -> int:
        return sum(
            1 for c in self.companies if c.proposed and c.proposed.version_id == self.version.id
        )


def _sight(seen: Seen | None) -> Sight | None:
    if seen is None:
        return None
    return Sight(seen.version.id, seen.version.version, seen.reason)


async def rollout_audience(
    session: AsyncSession,
    principal: Principal,
    version_id: str,
    *,
    percentage: int | None = None,
    clients: list[str] | None = None,
) -> Audience:
    """Every company, lowest bucket first, with the version of this entity it sees now and the
    one it would see if the version's rollout were `percentage` and `clients` (each left as it
    is when None). Nothing is written: applying the same values with set_rollout gives the
    `proposed` column exactly."""
    require(principal, "versions.read")
    version = await session.get(Version, version_id)
    if version is None:
        raise NotFound(f"Version {version_id} does not exist.")
    companies = list(await session.execute(sa.select(Company.id, Company.name)))
    known = {company_id for company_id, _ in companies}
    problems = []
    if percentage is not None and not 0 <= percentage <= 100:
        problems.append(FieldProblem("query:rolloutPercentage", "must be 0 to 100", "out_of_range"))
    problems += [
        FieldProblem(f"query:deployedToClients[{i}]", f"No company {c}.", "not_found")
        for i, c in enumerate(clients or [])
        if c not in known
    ]
    if problems:
        raise ValidationFailed(problems)
    siblings = await versions_of(session, version.entity_type, version.entity_id)
    paused = await paused_ids(session, [v.id for v in siblings])
    proposal = Version(
        id=version.id,
        version=version.version,
        entity_type=version.entity_type,
        entity_id=version.entity_id,
        status=version.status,
        created_at=version.created_at,
        rollout_percentage=version.rollout_percentage if percentage is None else percentage,
        deployed_to_clients=list(
            version.deployed_to_clients if clients is None else dict.fromkeys(clients)
        ),
    )
    proposed_versions = [proposal if v.id == version.id else v for v in siblings]
    reach = []
    for company_id, name in companies:
        now = pick(
            siblings,
            paused=paused,
            entity_type=version.entity_type,
            entity_id=version.entity_id,
            company_id=company_id,
        )
        proposed = pick(
            proposed_versions,
            paused=paused,
            entity_type=version.entity_type,
            entity_id=version.entity_id,
            company_id=company_id,
        )
        # The proposal stands in for the row: name the row's version, not the transient one.
        if proposed is not None and proposed.version is proposal:
            proposed = Seen(version, proposed.reason)
        reach.append(
            CompanyReach(
                company_id=company_id,
                company_name=name,
                bucket=bucket_of(version.entity_type, version.entity_id, company_id),
                now=_sight(now),
                proposed=_sight(proposed),
            )
        )
    reach.sort(key=lambda c: (c.bucket, c.company_name))
    return Audience(
        version=version,
        percentage=proposal.rollout_percentage,
        clients=list(proposal.deployed_to_clients),
        companies=reach,
    )
