"""Which version a company sees, decided from the versions of one entity alone: explicit
pins first, then the newest rollout whose percentage admits the company's bucket, then the
stable version."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from core.models import Version, VersionStatus

BUCKETS = 10_000
LIVE = (VersionStatus.PUBLISHED, VersionStatus.STABLE)

Reason = Literal["pinned", "rollout", "stable"]


def bucket_of(entity_type: str, entity_id: str, company_id: str) -> int:
    """The company's bucket (0..9999) for this entity: the same pair always lands in the
    same bucket, and buckets of different entities are independent."""
    digest = hashlib.sha256(f"{entity_type}:{entity_id}:{company_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def admits(percentage: int, bucket: int) -> bool:
    """A rollout of `percentage` reaches the buckets below percentage * 100, so raising it only
    adds companies and lowering it only removes those above the new line."""
    return bucket < percentage * (BUCKETS // 100)


def version_key(version: Version) -> tuple[tuple[int, ...], object]:
    """Newest first when sorted in reverse: by semantic version, then creation time."""
    try:
        number = tuple(int(part) for part in version.version.split("."))
    except ValueError:
        number = ()
    return number, version.created_at


@dataclass(frozen=True, slots=True)
class Seen:
    version: Version
    reason: Reason


def pick(
    versions: Iterable[Version],
    *,
    paused: Collection[str],
    entity_type: str,
    entity_id: str,
    company_id: str,
) -> Seen | None:
    """The version `company_id` sees among `versions` (all of one entity); None when no
    version reaches it (the entity's own rows apply)."""
    live = sorted(
        (v for v in versions if v.status in LIVE and v.id not in paused),
        key=version_key,
        reverse=True,
    )
    for version in live:
        if company_id in (version.deployed_to_clients or []):
            return Seen(version, "pinned")
    bucket = bucket_of(entity_type, entity_id, company_id)
    for version in live:
        if admits(version.rollout_percentage, bucket):
            return Seen(version, "rollout")
    for version in live:
        if version.status is VersionStatus.STABLE:
            return Seen(version, "stable")
    return None
