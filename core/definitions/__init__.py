"""Definitions as code: a company's tasks, flows (levels, branches), triggers, custom tables,
datasets, e-mail templates, integrations, roles and departments as one readable file each,
rows named by their names so that two installations' files compare; a plan of what applying
files would change, and the apply, in one transaction. docs/definitions-as-code.md."""

from core.definitions.bundle import Files
from core.definitions.files import read_directory, write_directory, zip_files
from core.definitions.kinds import KINDS
from core.definitions.planning import Change, FieldChange, Plan
from core.definitions.use_cases import apply_definitions, export_definitions, plan_definitions

READ_PERMISSIONS: tuple[str, ...] = tuple(dict.fromkeys(kind.read for kind in KINDS))
"""What reading a company's definitions takes: the read permission of every kind."""
WRITE_PERMISSIONS: tuple[str, ...] = tuple(dict.fromkeys(kind.write for kind in KINDS))
"""What writing them takes (the plan tries the writes): every kind's write permission."""

__all__ = [
    "READ_PERMISSIONS",
    "WRITE_PERMISSIONS",
    "Change",
    "FieldChange",
    "Files",
    "Plan",
    "apply_definitions",
    "export_definitions",
    "plan_definitions",
    "read_directory",
    "write_directory",
    "zip_files",
]
