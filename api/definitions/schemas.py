"""Request and response bodies of definitions as code: bundles of files and plans."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta

from api.structs import Body, Out
from core.definitions import Change, Plan

Path = Annotated[str, Meta(min_length=1, max_length=300)]


class BundleOut(Out):
    """The company's definitions: each file's path and its document (as the YAML files of
    `erp export` hold them)."""

    company_id: str
    files: dict[str, dict[str, Any]]


class BundleIn(Body):
    files: Annotated[dict[Path, Any], Meta(max_length=5000)]
    """Each file's path (`tasks/expense-report.yaml`) and its document, as `erp export`
    writes them and GET /definitions/export answers them."""
    delete: bool = False
    """Delete the company's definitions that `files` lack (datasets are archived)."""
    secrets: dict[str, str] = {}
    """The integrations' secret values by their reference (`{"$secret": "<reference>"}` in
    a config); never returned nor logged."""


class FieldChangeOut(Out):
    path: str
    """JSON pointer into the definition (appended to the change's `where`)."""
    before: Any
    after: Any
    note: str | None = None
    """Said instead of the values where they are secrets."""


class ChangeOut(Out):
    action: Literal["create", "change", "delete", "keep"]
    """`keep`: the company has it, the files do not, and deleting was not asked for."""
    kind: str
    name: str
    where: str
    """`<file>#<JSON pointer>` of the definition."""
    owner: str | None
    fields: list[FieldChangeOut]
    notes: list[str]


class PlanSummary(Out):
    created: int
    changed: int
    deleted: int
    kept: int


class PlanOut(Out):
    applied: bool
    """False for a plan (its writes were tried and undone) and for an apply that had
    nothing to change."""
    summary: PlanSummary
    changes: list[ChangeOut]


def change_out(change: Change) -> ChangeOut:
    return ChangeOut(
        action=change.action,
        kind=change.kind,
        name=change.name,
        where=change.where,
        owner=change.owner,
        fields=[
            FieldChangeOut(path=f.path, before=f.before, after=f.after, note=f.note)
            for f in change.fields
        ],
        notes=list(change.notes),
    )


def plan_out(plan: Plan, *, applied: bool) -> PlanOut:
    return PlanOut(
        applied=applied and not plan.empty,
        summary=PlanSummary(**plan.summary()),
        changes=[change_out(change) for change in plan.changes],
    )
