"""Datasets: sectioned field definitions that a company publishes, readable by the roles and
departments its `visibility` names; read as released (the version the company sees)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.models import Dataset, DatasetStatus, Department, Role, UserRole, user_roles, utcnow
from core.releases.running import released_version, released_visibility
from core.schema import parse_definitions

SECTION_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
SEES_EVERYTHING = frozenset({UserRole.DEVELOPER, UserRole.ADMIN})


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading: their platform role, company roles and departments (with the
    departments above them, since a department's members belong to its parents too)."""

    user_id: str
    role: UserRole
    role_ids: frozenset[str] = frozenset()
    department_ids: frozenset[str] = frozenset()


async def reader_for(
    session: AsyncSession, *, company_id: str, user_id: str, role: UserRole
) -> Reader:
    """Load what visibility checks need about a user of the company."""
    rows = (
        await session.execute(
            sa.select(Role.id, Role.department_id)
            .join(user_roles, user_roles.c.role_id == Role.id)
            .where(user_roles.c.user_id == user_id, Role.company_id == company_id)
        )
    ).all()
    parents = dict(
        (
            await session.execute(
                sa.select(Department.id, Department.parent_id).where(
                    Department.company_id == company_id
                )
            )
        ).all()
    )
    departments: set[str] = set()
    for _, department in rows:
        while department is not None and department not in departments:
            departments.add(department)
            department = parents.get(department)
    return Reader(user_id, role, frozenset(r for r, _ in rows), frozenset(departments))


@dataclass(frozen=True, slots=True)
class DatasetView:
    """A dataset as the company reads it: the content of the version of it the company sees
    (`version`), else its row. `restricted` says whether `visibility` limits its readers (in
    a client company it may name none of the company's roles: then only builders read it)."""

    id: str
    company_id: str
    name: str
    description: str | None
    category: str | None
    sections: list[Any]
    visibility: dict[str, Any]
    restricted: bool
    status: DatasetStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    version: str | None = None


def can_read(dataset: DatasetView, reader: Reader) -> bool:
    """Builders see every dataset; others see published ones whose visibility names one of
    their roles or departments (an empty visibility means the whole company)."""
    if reader.role in SEES_EVERYTHING:
        return True
    if dataset.status is not DatasetStatus.PUBLISHED:
        return False
    if not dataset.restricted:
        return True
    roles = set(dataset.visibility.get("roles") or [])
    departments = set(dataset.visibility.get("departments") or [])
    return bool(roles & reader.role_ids or departments & reader.department_ids)


async def released_view(session: AsyncSession, dataset: Dataset) -> DatasetView:
    """The dataset as its company reads it: the released content of the version it sees (an
    archived dataset stays archived), else its row as it is."""
    version = await released_version(
        session, entity_type="Dataset", entity_id=dataset.id, company_id=dataset.company_id
    )
    if version is None:
        visibility = dataset.visibility or {}
        return DatasetView(
            dataset.id,
            dataset.company_id,
            dataset.name,
            dataset.description,
            dataset.category,
            dataset.sections,
            visibility,
            bool(visibility.get("roles") or visibility.get("departments")),
            dataset.status,
            dataset.created_at,
            dataset.updated_at,
            dataset.published_at,
        )
    snapshot = version.snapshot
    seen = await released_visibility(session, version, dataset.company_id)
    return DatasetView(
        dataset.id,
        dataset.company_id,
        snapshot["name"],
        snapshot["description"],
        snapshot.get("attributes", {}).get("category"),
        snapshot["sections"],
        seen or {},
        seen is not None,
        DatasetStatus.ARCHIVED
        if dataset.status is DatasetStatus.ARCHIVED
        else DatasetStatus.PUBLISHED,
        dataset.created_at,
        dataset.updated_at,
        version.published_at or version.created_at,
        version.version,
    )


def check_sections(sections: Any) -> list[dict[str, Any]]:
    """Sections are `[{"id", "title", "description"?, "fields": [...]}]`; field ids are unique
    across sections. ValidationFailed lists every problem."""
    if not isinstance(sections, list) or not sections:
        raise ValidationFailed(
            [FieldProblem("sections", "must be a non-empty list", "invalid_type")]
        )
    problems: list[FieldProblem] = []
    section_ids: set[str] = set()
    field_ids: dict[str, str] = {}
    for i, section in enumerate(sections):
        at = f"sections[{i}]"
        if not isinstance(section, dict):
            problems.append(FieldProblem(at, "must be an object", "invalid_type"))
            continue
        sid, title = section.get("id"), section.get("title")
        if not isinstance(sid, str) or not SECTION_ID.match(sid):
            problems.append(FieldProblem(f"{at}.id", "must be a plain id"))
        elif sid in section_ids:
            problems.append(
                FieldProblem(f"{at}.id", f"duplicate section id {sid!r}", "duplicate_id")
            )
        else:
            section_ids.add(sid)
        if not isinstance(title, str) or not title.strip():
            problems.append(FieldProblem(f"{at}.title", "is required", "required"))
        try:
            definitions = parse_definitions(section.get("fields"), where=f"{at}.fields")
        except ValidationFailed as exc:
            problems.extend(exc.problems)
            continue
        for j, d in enumerate(definitions):
            if d.id in field_ids:
                problems.append(
                    FieldProblem(
                        f"{at}.fields[{j}].id",
                        f"field {d.id!r} is already in {field_ids[d.id]}",
                        "duplicate_id",
                    )
                )
            field_ids[d.id] = at
    if problems:
        raise ValidationFailed(problems, "The dataset's sections are invalid")
    return sections


async def check_visibility(
    session: AsyncSession, company_id: str, visibility: Any
) -> dict[str, Any]:
    """`{"roles": [...], "departments": [...]}` by id or name; stored as ids of the company."""
    if visibility in (None, {}):
        return {}
    if not isinstance(visibility, dict) or set(visibility) - {"roles", "departments"}:
        raise ValidationFailed(
            [FieldProblem("visibility", 'must be {"roles": [...], "departments": [...]}')]
        )
    out: dict[str, Any] = {}
    problems = []
    for key, model in (("roles", Role), ("departments", Department)):
        wanted = visibility.get(key) or []
        if not isinstance(wanted, list) or not all(isinstance(w, str) for w in wanted):
            problems.append(
                FieldProblem(f"visibility.{key}", "must be a list of ids or names", "invalid_type")
            )
            continue
        rows = (
            await session.execute(
                sa.select(model.id, model.name).where(
                    model.company_id == company_id,
                    sa.or_(model.id.in_(wanted), model.name.in_(wanted)),
                )
            )
        ).all()
        ids = {w: rid for rid, name in rows for w in (rid, name) if w in wanted}
        for j, w in enumerate(wanted):
            if w not in ids:
                problems.append(
                    FieldProblem(
                        f"visibility.{key}[{j}]", f"no {key[:-1]} {w!r} in the company", "not_found"
                    )
                )
        out[key] = sorted({ids[w] for w in wanted if w in ids})
    if problems:
        raise ValidationFailed(problems, "The dataset's visibility is invalid")
    return out


async def create_dataset(
    session: AsyncSession,
    *,
    company_id: str,
    name: str,
    sections: Any,
    description: str | None = None,
    category: str | None = None,
    visibility: Any = None,
) -> Dataset:
    """A draft dataset with checked sections and visibility."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed([FieldProblem("name", "is required", "required")])
    dataset = Dataset(
        company_id=company_id,
        name=name,
        description=description,
        category=category,
        sections=check_sections(sections),
        visibility=await check_visibility(session, company_id, visibility),
    )
    session.add(dataset)
    await session.flush()
    return dataset


async def load_dataset(session: AsyncSession, *, company_id: str, dataset_id: str) -> Dataset:
    dataset = await session.scalar(
        sa.select(Dataset).where(Dataset.company_id == company_id, Dataset.id == dataset_id)
    )
    if dataset is None:
        raise NotFound(f"no dataset {dataset_id!r}")
    return dataset


async def update_dataset(
    session: AsyncSession, *, company_id: str, dataset_id: str, changes: dict[str, Any]
) -> Dataset:
    """Change name, description, category, sections or visibility (an archived dataset is
    read-only)."""
    dataset = await load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    if dataset.status is DatasetStatus.ARCHIVED:
        raise Conflict("an archived dataset cannot be changed")
    unknown = set(changes) - {"name", "description", "category", "sections", "visibility"}
    if unknown:
        raise ValidationFailed(
            [FieldProblem(k, "cannot be changed", "read_only") for k in sorted(unknown)]
        )
    if "sections" in changes:
        dataset.sections = check_sections(changes["sections"])
    if "visibility" in changes:
        dataset.visibility = await check_visibility(session, company_id, changes["visibility"])
    for key in ("name", "description", "category"):
        if key in changes:
            setattr(dataset, key, changes[key])
    await session.flush()
    return dataset


async def publish_dataset(session: AsyncSession, *, company_id: str, dataset_id: str) -> Dataset:
    dataset = await load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    if dataset.status is DatasetStatus.ARCHIVED:
        raise Conflict("an archived dataset cannot be published")
    dataset.status, dataset.published_at = DatasetStatus.PUBLISHED, utcnow()
    await session.flush()
    return dataset


async def archive_dataset(session: AsyncSession, *, company_id: str, dataset_id: str) -> Dataset:
    dataset = await load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    dataset.status = DatasetStatus.ARCHIVED
    await session.flush()
    return dataset


async def get_dataset(
    session: AsyncSession, *, company_id: str, dataset_id: str, reader: Reader
) -> DatasetView:
    """The dataset as released to the company (core.versions: the version it sees, else
    its row) if the reader may see it; NotFound otherwise (as if it did not exist)."""
    dataset = await released_view(
        session, await load_dataset(session, company_id=company_id, dataset_id=dataset_id)
    )
    if not can_read(dataset, reader):
        raise NotFound(f"no dataset {dataset_id!r}")
    return dataset


async def list_datasets(
    session: AsyncSession, *, company_id: str, reader: Reader, status: DatasetStatus | None = None
) -> list[DatasetView]:
    """The datasets the reader may see, as released to the company, by name."""
    query = sa.select(Dataset).where(Dataset.company_id == company_id).order_by(Dataset.name)
    views = [await released_view(session, d) for d in await session.scalars(query)]
    return sorted(
        (d for d in views if (status is None or d.status is status) and can_read(d, reader)),
        key=lambda d: d.name,
    )
