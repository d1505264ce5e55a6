"""Ids a trigger's actions name (a flow to start, a table to write to): checked against the
company when a trigger is saved, and frozen with a company-neutral key when a version is
published (core.releases.references turns them into a client company's ids).

An action's config declares which of its settings name a row of the company, in its JSON
schema (core.triggers.sdk.ENTITY_KEY), so plugin actions take part as the built-in ones do."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.releases.references import INSTALLED, REFERENCED
from core.triggers.errors import UnknownAction
from core.triggers.registry import get_action_registry
from core.triggers.sdk import ENTITY_KEY

_COMPANY_OWN = ("CustomTableRecord", "User")
"""Rows that are one company's own (a record, a person): a version carries no reference to
them into clients, but a trigger naming another company's is refused on save all the same."""


def _matches(entity: str, model: Any, value: str) -> Any:
    """How a setting names a row: by id, by name, and an email template also by its type (as
    send_email looks it up); records and users have only their id."""
    if entity in _COMPANY_OWN:
        return model.id == value
    if entity == "EmailTemplate":
        return sa.or_(model.id == value, model.name == value, model.type == value)
    return sa.or_(model.id == value, model.name == value)


@lru_cache(maxsize=256)
def _reference_settings(action_type: str) -> tuple[tuple[str, str], ...]:
    """(setting, entity type) of every setting of the action that names a row (or a list of
    rows)."""
    try:
        schema = get_action_registry().get(action_type).json_schema()
    except UnknownAction:
        return ()
    ref = schema.get("$ref", "")
    body = schema.get("$defs", {}).get(ref.rsplit("/", 1)[-1], schema) if ref else schema
    return tuple(
        (key, spec[ENTITY_KEY])
        for key, spec in body.get("properties", {}).items()
        if isinstance(spec, dict) and isinstance(spec.get(ENTITY_KEY), str)
    )


def _named_rows(actions: Any, *, portable_only: bool = False) -> list[tuple[int, str, str, str]]:
    """(action index, setting, entity type, id) of every literal reference in `actions`; a
    setting holding a list of ids gives one entry per item (`userIds[1]`)."""
    found = []
    for index, action in enumerate(actions if isinstance(actions, list) else []):
        if not isinstance(action, dict) or not isinstance(action.get("config"), dict):
            continue
        for key, entity in _reference_settings(str(action.get("type"))):
            if portable_only and entity in _COMPANY_OWN:
                continue
            value = action["config"].get(key)
            items = [(key, value)]
            if isinstance(value, list) and not portable_only:
                items = [(f"{key}[{i}]", item) for i, item in enumerate(value)]
            for setting, item in items:
                if isinstance(item, str) and item and "{{" not in item:
                    found.append((index, setting, entity, item))
    return found


def rewrite_references(actions: Any, rename: Callable[[str, str], str | None]) -> Any:
    """A copy of `actions` with each literal reference a setting declares passed through
    `rename(entity type, value)`: what it returns replaces the value (None keeps it); a
    setting holding a list is rewritten item by item. Definitions as code (core.definitions)
    write the rows' names instead of their ids this way, and their ids back."""
    rewritten = copy.deepcopy(actions)
    for action in rewritten if isinstance(rewritten, list) else []:
        if not isinstance(action, dict) or not isinstance(action.get("config"), dict):
            continue
        config = action["config"]
        for key, entity in _reference_settings(str(action.get("type"))):
            value = config.get(key)
            if isinstance(value, list):
                config[key] = [_renamed(rename, entity, item) for item in value]
            elif key in config:
                config[key] = _renamed(rename, entity, value)
    return rewritten


def _renamed(rename: Callable[[str, str], str | None], entity: str, value: Any) -> Any:
    if not isinstance(value, str) or not value or "{{" in value:
        return value
    return rename(entity, value) or value


async def unknown_references(
    session: AsyncSession, company_id: str, actions: Any
) -> list[tuple[int, str, str, str]]:
    """(action index, setting, entity type, value) of every literal reference in `actions`
    that names no row of `company_id`, by id or by name (a table may be given by name).
    Templated values (`{{...}}`) are known only when the action runs."""
    unknown = []
    for index, key, entity, value in _named_rows(actions):
        model = REFERENCED.get(entity)
        if model is None:
            continue
        found = await session.scalar(
            sa.select(model.id)
            .where(model.company_id == company_id, _matches(entity, model, value))
            .limit(1)
        )
        if found is None:
            unknown.append((index, key, entity, value))
    return unknown


async def referenced_templates(
    session: AsyncSession, company_id: str, actions: Any
) -> list[tuple[int, str, Any]]:
    """(action index, setting, EmailTemplate) of every stored e-mail template `actions` name
    literally, as send_email finds it (the company's most recently changed active one)."""
    model = REFERENCED["EmailTemplate"]
    found = []
    for index, key, entity, value in _named_rows(actions):
        if entity != "EmailTemplate":
            continue
        template = await session.scalar(
            sa.select(model)
            .where(
                model.company_id == company_id,
                model.is_active.is_(True),
                _matches(entity, model, value),
            )
            .order_by(model.updated_at.desc())
            .limit(1)
        )
        if template is not None:
            found.append((index, key, template))
    return found


async def portable_references(session: AsyncSession, actions: Any) -> list[dict[str, Any]]:
    """What a client needs to find, in its own company, each row the actions name: its name,
    and for an entity installed into clients (a flow) the platform id its install records.
    An id that names no row (a table given by name already, say) needs nothing."""
    references = []
    for index, key, entity, value in _named_rows(actions, portable_only=True):
        model = REFERENCED.get(entity)
        name = (
            None
            if model is None
            else await session.scalar(sa.select(model.name).where(model.id == value))
        )
        if name is not None:
            reference = {"action": index, "setting": key, "entity": entity, "name": name}
            references.append(reference | ({"id": value} if entity in INSTALLED else {}))
    return references
