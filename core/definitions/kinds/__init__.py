"""The kinds of definitions, in the order an apply writes them: each may name the rows of
the kinds before it (deletes go the other way)."""

from core.definitions.kinds.automation import EmailTemplates, Integrations, Triggers, Workflows
from core.definitions.kinds.base import Kind
from core.definitions.kinds.flows import Flows
from core.definitions.kinds.forms import Datasets, Tables, Tasks
from core.definitions.kinds.organisation import Departments, Roles

KINDS: tuple[Kind, ...] = (
    Departments(),
    Roles(),
    EmailTemplates(),
    Integrations(),
    Tables(),
    Datasets(),
    Tasks(),
    Flows(),
    Triggers(),
    Workflows(),
)
BY_KIND: dict[str, Kind] = {kind.kind: kind for kind in KINDS}
CHILD_KINDS: dict[str, Kind] = {"triggers": BY_KIND["triggers"], "workflows": BY_KIND["workflows"]}
"""The kinds kept inside other kinds' files, by the key that holds them there."""

__all__ = ["BY_KIND", "CHILD_KINDS", "KINDS", "Kind"]
