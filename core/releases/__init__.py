"""Which version of an entity a company runs: stable-hash buckets, resolution of pins and
rollouts, the company's installs, and what it runs from the version it sees (a flow's
definition, a table's content, the triggers frozen in it). core.versions publishes and rolls
out the versions; this area only reads them, below flows, records and triggers."""

from core.releases.audience import Audience, CompanyReach, Sight, rollout_audience
from core.releases.buckets import BUCKETS, admits, bucket_of
from core.releases.entity_types import ENTITY_TYPES, check_entity_type
from core.releases.errors import NotRolledOut, UnknownEntityType
from core.releases.resolution import Resolution, resolve_version, resolve_with_source
from core.releases.running import (
    released_flow_definition,
    released_version,
    released_visibility,
)
from core.releases.triggers import released_trigger, released_triggers

__all__ = [
    "BUCKETS",
    "ENTITY_TYPES",
    "Audience",
    "CompanyReach",
    "NotRolledOut",
    "Resolution",
    "Sight",
    "UnknownEntityType",
    "admits",
    "bucket_of",
    "check_entity_type",
    "released_flow_definition",
    "released_trigger",
    "released_triggers",
    "released_version",
    "released_visibility",
    "resolve_version",
    "resolve_with_source",
    "rollout_audience",
]
