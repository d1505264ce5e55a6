"""Definitions as code: a company's tasks, flows (levels, branches), triggers, custom tables,
datasets, e-mail templates, integrations, roles and departments as one readable file each,
rows named by their names so that two installations' files compare; a plan of what applying
files would change, and the apply, in one transaction. docs/definitions-as-code.md."""

from core.definitions.bundle import Files
from core.definitions.files import read_directory, write_directory, zip_files
from core.definitions.planning import Change, FieldChange, Plan
from core.definitions.use_cases import apply_definitions, export_definitions, plan_definitions

__all__ = [
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
